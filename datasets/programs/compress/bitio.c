/* compress: bit writer and reader.  Bits are packed starting at the least
 * significant bit of each byte; multi-bit values are written LSB first. */
#include "bitio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_byte(BitWriter *w, uint8_t b) {
    if (w->len == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        uint8_t *p = realloc(w->buf, cap);
        if (!p) {
            printf("FAIL out of memory\n");
            exit(1);
        }
        w->buf = p;
        w->cap = cap;
    }
    w->buf[w->len++] = b;
}

void bw_init(BitWriter *w, size_t cap_hint) {
    memset(w, 0, sizeof *w);
    w->buf = malloc(cap_hint ? cap_hint : 1);
    if (!w->buf) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    w->cap = cap_hint ? cap_hint : 1;
}

void bw_free(BitWriter *w) {
    free(w->buf);
    memset(w, 0, sizeof *w);
}

void bw_put(BitWriter *w, uint32_t bits, int n) {
    if (n < 32)
        bits &= (1u << n) - 1u;
    w->acc |= (uint64_t)bits << w->nbits;
    w->nbits += n;
    while (w->nbits >= 8) {
        put_byte(w, (uint8_t)(w->acc & 0xFFu));
        w->acc >>= 8;
        w->nbits -= 8;
    }
}

void bw_align(BitWriter *w) {
    if (w->nbits > 0)
        bw_put(w, 0, 8 - w->nbits);
}

void bw_bytes(BitWriter *w, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        put_byte(w, p[i]);
}

size_t bw_bit_count(const BitWriter *w) { return w->len * 8 + (size_t)w->nbits; }

void br_init(BitReader *r, const uint8_t *buf, size_t len) {
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = len;
}

uint32_t br_get(BitReader *r, int n) {
    while (r->nbits < n) {
        if (r->pos < r->len)
            r->acc |= (uint64_t)r->buf[r->pos++] << r->nbits;
        else
            r->overrun = 1;
        r->nbits += 8;
    }
    uint32_t v = (uint32_t)(r->acc & (n < 32 ? (((uint64_t)1 << n) - 1u) : 0xFFFFFFFFu));
    r->acc >>= n;
    r->nbits -= n;
    return v;
}

void br_align(BitReader *r) {
    int drop = r->nbits & 7;
    r->acc >>= drop;
    r->nbits -= drop;
}

int br_bytes(BitReader *r, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (r->nbits >= 8) {
            out[i] = (uint8_t)(r->acc & 0xFFu);
            r->acc >>= 8;
            r->nbits -= 8;
        } else if (r->pos < r->len) {
            out[i] = r->buf[r->pos++];
        } else {
            r->overrun = 1;
            return 0;
        }
    }
    return 1;
}

uint32_t bit_reverse(uint32_t code, int len) {
    uint32_t r = 0;
    for (int i = 0; i < len; i++) {
        r = (r << 1) | (code & 1u);
        code >>= 1;
    }
    return r;
}
