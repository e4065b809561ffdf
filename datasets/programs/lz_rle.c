/* lz_rle.c - run-length encoder/decoder and a simple LZ77-style compressor
 * (hash-chain-free greedy match search) with round-trip verification.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define IN_SIZE 120000
#define OUT_CAP (IN_SIZE * 2 + 64)
#define WINDOW 256
#define MIN_MATCH 4
#define MAX_MATCH 130

static uint8_t input[IN_SIZE];
static uint8_t rle_buf[OUT_CAP];
static uint8_t lz_buf[OUT_CAP];
static uint8_t output[IN_SIZE];

static uint32_t rng = 0xBADC0DEu;

static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static const char *const words[8] = {"the ", "quick ", "brown ", "fox ",
                                     "jumps ", "over ", "lazy ", "dog "};

/* Generates text-like data with runs and repeats. */
static void gen_input(uint8_t *buf, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t r = next_rand();
        if ((r & 7u) < 5u) {
            const char *w = words[(r >> 3) & 7u];
            for (size_t k = 0; w[k] && i < n; k++)
                buf[i++] = (uint8_t)w[k];
        } else if ((r & 7u) == 5u) {
            size_t run = 3 + ((r >> 8) & 31u);
            uint8_t c = (uint8_t)('A' + ((r >> 16) % 26u));
            for (size_t k = 0; k < run && i < n; k++)
                buf[i++] = c;
        } else {
            buf[i++] = (uint8_t)(r >> 24);
        }
    }
}

static size_t put_byte(uint8_t *out, size_t pos, size_t cap, uint8_t b) {
    if (pos < cap)
        out[pos] = b;
    return pos + 1;
}

/* RLE format: (count, byte) pairs, count in 1..255. */
static size_t rle_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t o = 0, i = 0;
    while (i < n) {
        uint8_t c = in[i];
        size_t run = 1;
        while (i + run < n && in[i + run] == c && run < 255)
            run++;
        o = put_byte(out, o, cap, (uint8_t)run);
        o = put_byte(out, o, cap, c);
        i += run;
    }
    return o;
}

static size_t rle_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        size_t run = in[i];
        for (size_t k = 0; k < run; k++)
            o = put_byte(out, o, cap, in[i + 1]);
    }
    return o;
}

static size_t match_len(const uint8_t *a, const uint8_t *b, size_t limit) {
    size_t l = 0;
    while (l < limit && a[l] == b[l])
        l++;
    return l;
}

/* LZ format: tag byte 0 -> literal follows; tag 1..255 -> match of length
 * tag + MIN_MATCH - 1, followed by one distance byte (distance = byte + 1). */
static size_t lz_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t o = 0, i = 0;
    while (i < n) {
        size_t best_len = 0, best_dist = 0;
        size_t start = i > WINDOW ? i - WINDOW : 0;
        size_t limit = n - i < MAX_MATCH ? n - i : MAX_MATCH;
        for (size_t j = start; j < i; j++) {
            size_t l = match_len(in + j, in + i, limit);
            if (l > best_len) {
                best_len = l;
                best_dist = i - j;
            }
        }
        if (best_len >= MIN_MATCH) {
            o = put_byte(out, o, cap, (uint8_t)(best_len - MIN_MATCH + 1));
            o = put_byte(out, o, cap, (uint8_t)(best_dist - 1));
            i += best_len;
        } else {
            o = put_byte(out, o, cap, 0);
            o = put_byte(out, o, cap, in[i]);
            i++;
        }
    }
    return o;
}

static size_t lz_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t o = 0, i = 0;
    while (i + 1 < n) {
        uint8_t tag = in[i];
        if (tag == 0) {
            o = put_byte(out, o, cap, in[i + 1]);
        } else {
            size_t len = (size_t)tag + MIN_MATCH - 1;
            size_t dist = (size_t)in[i + 1] + 1;
            if (dist > o)
                return 0; /* corrupt */
            for (size_t k = 0; k < len; k++) {
                uint8_t b = o - dist < cap ? out[o - dist] : 0;
                o = put_byte(out, o, cap, b);
            }
        }
        i += 2;
    }
    return o;
}

static uint32_t adler(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

static uint32_t combine(uint32_t h, uint32_t v) {
    return (h ^ v) * 0x9E3779B1u + (h >> 7);
}

int main(void) {
    gen_input(input, IN_SIZE);

    /* Histogram over 16 buckets (constant trip count 16 for the fold). */
    uint32_t hist[16];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < IN_SIZE; i++)
        hist[input[i] & 15u]++;
    uint32_t h = 0;
    for (int k = 0; k < 16; k++)
        h = combine(h, hist[k]);

    size_t rle_n = rle_encode(input, IN_SIZE, rle_buf, OUT_CAP);
    memset(output, 0, sizeof output);
    size_t rle_back = rle_decode(rle_buf, rle_n, output, IN_SIZE);
    int rle_ok = rle_back == IN_SIZE && memcmp(output, input, IN_SIZE) == 0;

    size_t lz_n = lz_encode(input, IN_SIZE, lz_buf, OUT_CAP);
    memset(output, 0, sizeof output);
    size_t lz_back = lz_decode(lz_buf, lz_n, output, IN_SIZE);
    int lz_ok = lz_back == IN_SIZE && memcmp(output, input, IN_SIZE) == 0;

    uint32_t a_in = adler(input, IN_SIZE);
    uint32_t a_rle = adler(rle_buf, rle_n < OUT_CAP ? rle_n : OUT_CAP);
    uint32_t a_lz = adler(lz_buf, lz_n < OUT_CAP ? lz_n : OUT_CAP);

    printf("input %d bytes, adler 0x%08x\n", IN_SIZE, (unsigned)a_in);
    printf("rle: %zu bytes, round-trip %s\n", rle_n, rle_ok ? "ok" : "FAIL");
    printf("lz:  %zu bytes, round-trip %s\n", lz_n, lz_ok ? "ok" : "FAIL");

    h = combine(h, a_in);
    h = combine(h, a_rle);
    h = combine(h, a_lz);
    h = combine(h, (uint32_t)rle_n);
    h = combine(h, (uint32_t)lz_n);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return (rle_ok && lz_ok) ? 0 : 1;
}
