/* compress: greedy or lazy LZ77 parsing.  head[] holds the most recent
 * position for each hash of three bytes and prev[] links every position in
 * the window to the previous one with the same hash. */
#include "lz77.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BITS 15
#define HASH_SIZE (1 << HASH_BITS)
#define WMASK (LZ_WINDOW - 1)

typedef struct {
    const uint8_t *in;
    size_t n;
    int32_t head[HASH_SIZE];
    int32_t prev[LZ_WINDOW];
    const LzParams *p;
    LzStats *st;
} Finder;

static uint32_t hash3(const uint8_t *s) {
    uint32_t v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static void insert(Finder *f, size_t pos) {
    if (pos + LZ_MIN_MATCH > f->n)
        return;
    uint32_t h = hash3(f->in + pos);
    f->prev[pos & WMASK] = f->head[h];
    f->head[h] = (int32_t)pos;
}

/* Longest match for pos among earlier positions in the window. */
static int find_match(Finder *f, size_t pos, int *dist) {
    if (pos + LZ_MIN_MATCH > f->n)
        return 0;
    size_t limit = f->n - pos < LZ_MAX_MATCH ? f->n - pos : LZ_MAX_MATCH;
    const uint8_t *cur = f->in + pos;
    int32_t cand = f->head[hash3(cur)];
    int best = 0, chain = f->p->max_chain;
    while (cand >= 0 && chain-- > 0) {
        size_t c = (size_t)cand;
        if (c >= pos || pos - c > LZ_WINDOW)
            break;
        f->st->chain_steps++;
        const uint8_t *prv = f->in + c;
        if (prv[best] == cur[best] && prv[0] == cur[0]) { /* quick reject */
            size_t len = 0;
            while (len < limit && prv[len] == cur[len])
                len++;
            if ((int)len > best) {
                best = (int)len;
                *dist = (int)(pos - c);
                if (best >= f->p->nice_len || len == limit)
                    break;
            }
        }
        int32_t next = f->prev[c & WMASK];
        if (next >= cand) /* stale link: older data was overwritten */
            break;
        cand = next;
    }
    return best >= LZ_MIN_MATCH ? best : 0;
}

size_t lz77_parse(const uint8_t *in, size_t n, Token *out, const LzParams *p, LzStats *st) {
    Finder *f = malloc(sizeof *f);
    if (!f) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    f->in = in;
    f->n = n;
    f->p = p;
    f->st = st;
    for (int i = 0; i < HASH_SIZE; i++)
        f->head[i] = -1;
    for (int i = 0; i < LZ_WINDOW; i++)
        f->prev[i] = -1;
    size_t nt = 0, i = 0;
    while (i < n) {
        int dist = 0, len = find_match(f, i, &dist);
        insert(f, i);
        if (len && p->lazy && len < p->nice_len) {
            int dist2 = 0, len2 = find_match(f, i + 1, &dist2);
            if (len2 > len) { /* a literal now, the longer match next time */
                st->lazy_defers++;
                len = 0;
            }
        }
        if (len) {
            out[nt].len = (uint16_t)len;
            out[nt].dist = (uint16_t)dist;
            out[nt].lit = 0;
            st->matches++;
            st->match_bytes += (unsigned long)len;
            for (size_t k = 1; k < (size_t)len; k++)
                insert(f, i + k);
            i += (size_t)len;
        } else {
            out[nt].len = 0;
            out[nt].dist = 0;
            out[nt].lit = in[i];
            st->literals++;
            i++;
        }
        nt++;
    }
    free(f);
    return nt;
}
