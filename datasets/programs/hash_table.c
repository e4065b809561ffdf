/* hash_table.c - open-addressing (linear probing) hash table with string
 * keys: insert, update, lookup, delete (tombstones) and iteration.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CAP 65536 /* power of two */
#define KEY_MAX 24
#define NKEYS 40000

typedef struct {
    char key[KEY_MAX];
    uint32_t value;
    uint8_t state; /* 0 = empty, 1 = used, 2 = deleted */
} Slot;

static Slot table[CAP];
static uint32_t probes_total;

static uint32_t hash_str(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) {
        h ^= (uint8_t)*s++;
        h *= 16777619u;
    }
    return h ^ (h >> 16);
}

static uint32_t slot_index(uint32_t h, uint32_t probe) {
    return (h + probe) & (CAP - 1);
}

static int key_eq(const Slot *s, const char *key) {
    return s->state == 1 && strcmp(s->key, key) == 0;
}

/* Writes "k<n>-<tag>" into buf (size KEY_MAX) without snprintf. */
static void make_key(char *buf, uint32_t n, char tag) {
    char tmp[12];
    int len = 0;
    do {
        tmp[len++] = (char)('0' + n % 10u);
        n /= 10u;
    } while (n && len < 11);
    int p = 0;
    buf[p++] = 'k';
    while (len > 0)
        buf[p++] = tmp[--len];
    buf[p++] = '-';
    buf[p++] = tag;
    buf[p] = '\0';
}

static Slot *find(const char *key) {
    uint32_t h = hash_str(key);
    for (uint32_t i = 0; i < CAP; i++) {
        Slot *s = &table[slot_index(h, i)];
        probes_total++;
        if (s->state == 0)
            return NULL;
        if (key_eq(s, key))
            return s;
    }
    return NULL;
}

static int insert(const char *key, uint32_t value) {
    uint32_t h = hash_str(key);
    Slot *tomb = NULL;
    for (uint32_t i = 0; i < CAP; i++) {
        Slot *s = &table[slot_index(h, i)];
        probes_total++;
        if (s->state == 0) {
            Slot *t = tomb ? tomb : s;
            strncpy(t->key, key, KEY_MAX - 1);
            t->key[KEY_MAX - 1] = '\0';
            t->value = value;
            t->state = 1;
            return 1;
        }
        if (s->state == 2) {
            if (!tomb)
                tomb = s;
        } else if (key_eq(s, key)) {
            s->value = value;
            return 0;
        }
    }
    if (tomb) {
        strncpy(tomb->key, key, KEY_MAX - 1);
        tomb->key[KEY_MAX - 1] = '\0';
        tomb->value = value;
        tomb->state = 1;
        return 1;
    }
    return -1;
}

static int erase(const char *key) {
    Slot *s = find(key);
    if (!s)
        return 0;
    s->state = 2;
    return 1;
}

static uint32_t fold(uint32_t h, uint32_t v) {
    return (h ^ v) * 0x2545F491u + 0x3C6EF372u;
}

int main(void) {
    char key[KEY_MAX];
    int inserted = 0, updated = 0;
    for (uint32_t n = 0; n < NKEYS; n++) {
        make_key(key, n * 7u + 3u, (char)('a' + n % 4u));
        int r = insert(key, n * 2654435761u);
        if (r == 1)
            inserted++;
        else if (r == 0)
            updated++;
    }
    /* Update a subset (keys already present). */
    for (uint32_t n = 0; n < NKEYS; n += 3) {
        make_key(key, n * 7u + 3u, (char)('a' + n % 4u));
        if (insert(key, n + 1u) == 0)
            updated++;
    }
    /* Delete every 5th key. */
    int deleted = 0;
    for (uint32_t n = 0; n < NKEYS; n += 5) {
        make_key(key, n * 7u + 3u, (char)('a' + n % 4u));
        deleted += erase(key);
    }
    /* Re-insert a few into tombstones. */
    for (uint32_t n = 0; n < NKEYS; n += 10) {
        make_key(key, n * 7u + 3u, (char)('a' + n % 4u));
        if (insert(key, n ^ 0xABCDu) == 1)
            inserted++;
    }

    /* Lookups: hits and misses; repeat with constant trip count 4. */
    uint32_t h = 0, hits = 0, misses = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (uint32_t n = 0; n < NKEYS; n++) {
            make_key(key, n * 7u + 3u + (uint32_t)(rep & 1), (char)('a' + n % 4u));
            Slot *s = find(key);
            if (s) {
                hits++;
                h = fold(h, s->value);
            } else {
                misses++;
            }
        }
    }

    uint32_t live = 0, tombs = 0, vsum = 0;
    for (uint32_t i = 0; i < CAP; i++) {
        if (table[i].state == 1) {
            live++;
            vsum += table[i].value ^ hash_str(table[i].key);
        } else if (table[i].state == 2) {
            tombs++;
        }
    }

    printf("inserted=%d updated=%d deleted=%d\n", inserted, updated, deleted);
    printf("hits=%u misses=%u live=%u tombstones=%u\n", (unsigned)hits,
           (unsigned)misses, (unsigned)live, (unsigned)tombs);
    printf("probes=%u\n", (unsigned)probes_total);
    h = fold(h, vsum);
    h = fold(h, live);
    h = fold(h, tombs);
    h = fold(h, probes_total);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return 0;
}
