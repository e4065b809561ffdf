/* text_search.c - exact string search over generated text: naive scan,
 * Knuth-Morris-Pratt, Boyer-Moore-Horspool, Rabin-Karp (rolling hash with
 * verification) and Shift-And (bit-parallel).  Every algorithm reports all
 * (overlapping) occurrences; counts, first positions and position hashes
 * must agree for every pattern on a DNA-like and an English-like text.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LEN 160000
#define MAX_PAT 96
#define NPAT 14

typedef struct {
    long count;
    long first;
    uint32_t hash;
} Result;

static char text[TEXT_LEN + 1];
static uint32_t rng_state = 0xBB67AE85u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static void found(Result *r, long pos) {
    if (r->count == 0)
        r->first = pos;
    r->count++;
    r->hash = (r->hash ^ (uint32_t)pos) * 0x01000193u;
}

static void result_init(Result *r) {
    r->count = 0;
    r->first = -1;
    r->hash = 0x811c9dc5u;
}

/* ------------------------------------------------------------ algorithms */

static Result search_naive(const char *t, long n, const char *p, long m) {
    Result r;
    result_init(&r);
    for (long i = 0; i + m <= n; i++) {
        long j = 0;
        while (j < m && t[i + j] == p[j])
            j++;
        if (j == m)
            found(&r, i);
    }
    return r;
}

static Result search_kmp(const char *t, long n, const char *p, long m) {
    Result r;
    long fail[MAX_PAT + 1];
    result_init(&r);
    /* fail[j]: length of the longest proper border of p[0..j). */
    fail[0] = -1;
    for (long j = 1, k = -1; j <= m; j++) {
        while (k >= 0 && p[k] != p[j - 1])
            k = fail[k];
        fail[j] = ++k;
    }
    for (long i = 0, j = 0; i < n; i++) {
        while (j >= 0 && (j == m || p[j] != t[i]))
            j = fail[j];
        j++;
        if (j == m)
            found(&r, i - m + 1);
    }
    return r;
}

static Result search_bmh(const char *t, long n, const char *p, long m) {
    Result r;
    long shift[256];
    result_init(&r);
    for (int c = 0; c < 256; c++)
        shift[c] = m;
    for (long j = 0; j + 1 < m; j++)
        shift[(unsigned char)p[j]] = m - 1 - j;
    for (long i = 0; i + m <= n;) {
        unsigned char last = (unsigned char)t[i + m - 1];
        if (last == (unsigned char)p[m - 1]) {
            long j = m - 2;
            while (j >= 0 && t[i + j] == p[j])
                j--;
            if (j < 0)
                found(&r, i);
        }
        i += shift[last];
    }
    return r;
}

static Result search_rk(const char *t, long n, const char *p, long m, long *collisions) {
    const uint64_t B = 0x100000001B3ull; /* arithmetic modulo 2^64 */
    Result r;
    result_init(&r);
    if (m > n)
        return r;
    uint64_t hp = 0, ht = 0, pow = 1;
    for (long j = 0; j < m; j++) {
        hp = hp * B + (unsigned char)p[j];
        ht = ht * B + (unsigned char)t[j];
        if (j > 0)
            pow *= B;
    }
    for (long i = 0;; i++) {
        if (ht == hp) {
            if (memcmp(t + i, p, (size_t)m) == 0)
                found(&r, i);
            else
                (*collisions)++;
        }
        if (i + m >= n)
            break;
        ht = (ht - (unsigned char)t[i] * pow) * B + (unsigned char)t[i + m];
    }
    return r;
}

/* Shift-And: bit j of the state is set when p[0..j] matches ending here.
 * Patterns longer than a word are filtered by their 64-byte prefix. */
static Result search_shift_and(const char *t, long n, const char *p, long m) {
    Result r;
    uint64_t mask[256] = {0};
    long mm = m < 64 ? m : 64;
    result_init(&r);
    for (long j = 0; j < mm; j++)
        mask[(unsigned char)p[j]] |= (uint64_t)1 << j;
    uint64_t state = 0, hit = (uint64_t)1 << (mm - 1);
    for (long i = 0; i < n; i++) {
        state = ((state << 1) | 1u) & mask[(unsigned char)t[i]];
        if (state & hit) {
            long s = i - mm + 1;
            if (s + m <= n && memcmp(t + s + mm, p + mm, (size_t)(m - mm)) == 0)
                found(&r, s);
        }
    }
    return r;
}

/* ----------------------------------------------------------- text setup */

static void make_dna(char *t, long n) {
    static const char acgt[] = "ACGT";
    long i = 0;
    while (i < n) {
        uint32_t x = rng_next();
        if ((x & 63u) == 0 && i > 200) { /* copy an earlier segment (repeats) */
            long len = 20 + (long)(x >> 8) % 60, src = (long)(rng_next() % (uint32_t)(i - 100));
            for (long k = 0; k < len && i < n; k++)
                t[i++] = t[src + k];
        } else if ((x & 63u) == 1) { /* homopolymer run */
            long len = 3 + (long)(x >> 8) % 12;
            char c = acgt[(x >> 20) & 3u];
            for (long k = 0; k < len && i < n; k++)
                t[i++] = c;
        } else {
            t[i++] = acgt[(x >> 8) & 3u];
        }
    }
    t[n] = '\0';
}

static void make_english(char *t, long n) {
    static const char *const words[] = {
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with",
        "be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which",
        "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we",
        "compiler", "optimization", "register", "allocation", "loop", "vector", "inline",
        "function", "pointer", "alias", "analysis", "schedule", "instruction", "memory"};
    const int nw = (int)(sizeof words / sizeof words[0]);
    long i = 0;
    int sentence_start = 1;
    while (i < n) {
        uint32_t x = rng_next();
        /* Zipf-like choice: low indices are much more frequent. */
        int w = (int)((x % 1000u) * (x % 1000u) / 1000u * (uint32_t)nw / 1000u);
        const char *s = words[w];
        for (long k = 0; s[k] && i < n; k++)
            t[i++] = (char)(sentence_start && k == 0 ? s[k] - 'a' + 'A' : s[k]);
        sentence_start = 0;
        if (i < n) {
            if ((x >> 20) % 12u == 0) {
                t[i++] = '.';
                sentence_start = 1;
                if (i < n)
                    t[i++] = ' ';
            } else {
                t[i++] = (x >> 24) % 15u == 0 ? ',' : ' ';
            }
        }
    }
    t[n] = '\0';
}

/* Patterns: substrings of the text (present) of growing length, random
 * strings from the same alphabet (mostly absent), and periodic strings. */
static void make_patterns(const char *t, long n, char pats[NPAT][MAX_PAT + 1], const char *alpha) {
    static const long lens[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89};
    int k = 0;
    for (int i = 0; i < 10; i++, k++) {
        long pos = (long)(rng_next() % (uint32_t)(n - lens[i]));
        memcpy(pats[k], t + pos, (size_t)lens[i]);
        pats[k][lens[i]] = '\0';
    }
    size_t na = strlen(alpha);
    for (int i = 0; i < 2; i++, k++) {
        long len = 6 + 5 * i;
        for (long j = 0; j < len; j++)
            pats[k][j] = alpha[rng_next() % na];
        pats[k][len] = '\0';
    }
    for (int i = 0; i < 2; i++, k++) { /* "xxxx" and "xyxyxy" */
        long len = 4 + 2 * i;
        for (long j = 0; j < len; j++)
            pats[k][j] = alpha[(i == 0 ? 0 : j % 2)];
        pats[k][len] = '\0';
    }
}

static int same(const Result *a, const Result *b) {
    return a->count == b->count && a->first == b->first && a->hash == b->hash;
}

static uint32_t run_corpus(const char *name, const char *t, long n, const char *alpha, int *bad) {
    char pats[NPAT][MAX_PAT + 1];
    uint32_t h = 0;
    long collisions = 0, total = 0;
    make_patterns(t, n, pats, alpha);
    printf("%s text, %ld bytes:\n", name, n);
    for (int k = 0; k < NPAT; k++) {
        long m = (long)strlen(pats[k]);
        Result res[5];
        res[0] = search_naive(t, n, pats[k], m);
        res[1] = search_kmp(t, n, pats[k], m);
        res[2] = search_bmh(t, n, pats[k], m);
        res[3] = search_rk(t, n, pats[k], m, &collisions);
        res[4] = search_shift_and(t, n, pats[k], m);
        int agree = 1;
        for (int a = 1; a < 5; a++)
            agree &= same(&res[0], &res[a]);
        printf("  m=%2ld count=%6ld first=%6ld hash=0x%08x %s  \"%.16s%s\"\n", m, res[0].count,
               res[0].first, (unsigned)res[0].hash, agree ? "agree" : "DISAGREE", pats[k],
               m > 16 ? "..." : "");
        if (!agree) {
            printf("FAIL %s pattern %d: algorithms disagree\n", name, k);
            *bad = 1;
        }
        if (k < 10 && res[0].count == 0) {
            printf("FAIL %s pattern %d: substring of the text not found\n", name, k);
            *bad = 1;
        }
        total += res[0].count;
        h = (h ^ res[0].hash ^ (uint32_t)res[0].count) * 0x01000193u;
    }
    printf("  total matches %ld, rabin-karp collisions %ld\n", total, collisions);
    return h ^ (uint32_t)total;
}

int main(void) {
    int bad = 0;
    uint32_t h = 0;
    make_dna(text, TEXT_LEN);
    h ^= run_corpus("DNA", text, TEXT_LEN, "ACGT", &bad);
    make_english(text, TEXT_LEN);
    h = (h * 0x01000193u) ^ run_corpus("English", text, TEXT_LEN, "etaoinshrdlu ", &bad);

    /* Known small cases: overlapping matches and borders. */
    static const char *const kt = "abababababcabababab";
    Result k1 = search_kmp(kt, (long)strlen(kt), "abab", 4);
    Result k2 = search_bmh(kt, (long)strlen(kt), "babc", 4);
    int known_ok = k1.count == 7 && k1.first == 0 && k2.count == 1 && k2.first == 7;
    printf("known cases: %s\n", known_ok ? "ok" : "wrong");
    if (!known_ok) {
        printf("FAIL known cases\n");
        bad = 1;
    }
    printf("checksum: 0x%08x\n", (unsigned)h);
    return bad;
}
