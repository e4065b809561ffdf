/* compress: an LZ77 + canonical Huffman compressor (multi-file, own
 * Makefile).  The container is DEFLATE-like: a header with the length and
 * Adler-32 of the data, then blocks that are either stored or Huffman coded
 * (literal/length and distance alphabets, code lengths sent with a
 * zero-run scheme).  Data sets with different statistics make compress ->
 * decompress round trips at two effort levels; corrupted streams must be
 * rejected or detected, never crash.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include "bitio.h"
#include "huffman.h"
#include "lz77.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLIT 286 /* 0-255 literals, 256 end of block, 257-285 lengths */
#define NDIST 30
#define BLOCK_TOKENS 8192
#define BLOCK_BYTES 16384
#define DATA_SIZE 65536

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

typedef struct {
    unsigned long stored_blocks, huff_blocks, moved_leaves, kraft_errors;
} CodecStats;

static uint32_t rng_state = 0x9B05688Cu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t adler32(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

/* Largest table index whose base is <= v. */
static int code_index(const uint16_t *base, int n, unsigned v) {
    int i = n - 1;
    while (i > 0 && base[i] > v)
        i--;
    return i;
}

/* ------------------------------------------------------------- encoder */

/* Lengths 1..15 as four bits; a 0 is followed by four bits of extra zeros. */
static void write_lengths(BitWriter *w, const uint8_t *lens, int n) {
    for (int i = 0; i < n;) {
        if (lens[i]) {
            bw_put(w, lens[i], 4);
            i++;
            continue;
        }
        int run = 1;
        while (i + run < n && lens[i + run] == 0 && run < 16)
            run++;
        bw_put(w, 0, 4);
        bw_put(w, (uint32_t)(run - 1), 4);
        i += run;
    }
}

static void encode_block(BitWriter *w, const uint8_t *in, size_t b0, size_t b1, const Token *tok,
                         size_t t0, size_t t1, int last, CodecStats *cs) {
    uint32_t lfreq[NLIT] = {0}, dfreq[NDIST] = {0};
    uint8_t llen[NLIT], dlen[NDIST];
    uint16_t lcode[NLIT], dcode[NDIST];
    for (size_t t = t0; t < t1; t++) {
        if (tok[t].len == 0) {
            lfreq[tok[t].lit]++;
        } else {
            lfreq[257 + code_index(len_base, 29, tok[t].len)]++;
            dfreq[code_index(dist_base, 30, tok[t].dist)]++;
        }
    }
    lfreq[256] = 1;
    cs->moved_leaves += (unsigned long)huff_lengths(lfreq, NLIT, HUFF_MAX_BITS, llen);
    cs->moved_leaves += (unsigned long)huff_lengths(dfreq, NDIST, HUFF_MAX_BITS, dlen);
    cs->kraft_errors += huff_kraft(llen, NLIT) != 32768u;
    cs->kraft_errors += huff_kraft(dlen, NDIST) != 32768u;
    huff_codes(llen, NLIT, lcode);
    huff_codes(dlen, NDIST, dcode);

    /* Exact size of the Huffman form versus a stored block. */
    BitWriter hdr;
    bw_init(&hdr, 512);
    write_lengths(&hdr, llen, NLIT);
    write_lengths(&hdr, dlen, NDIST);
    size_t bits = 2 + bw_bit_count(&hdr);
    for (int s = 0; s < NLIT; s++)
        bits += (size_t)lfreq[s] * (llen[s] + (s > 256 ? len_extra[s - 257] : 0));
    for (int s = 0; s < NDIST; s++)
        bits += (size_t)dfreq[s] * (dlen[s] + dist_extra[s]);
    size_t stored_bits = 2 + 7 + 16 + 8 * (b1 - b0);

    bw_put(w, (uint32_t)last, 1);
    if (stored_bits < bits) {
        cs->stored_blocks++;
        bw_put(w, 0, 1);
        bw_align(w);
        bw_put(w, (uint32_t)(b1 - b0), 16);
        bw_bytes(w, in + b0, b1 - b0);
    } else {
        cs->huff_blocks++;
        bw_put(w, 1, 1);
        write_lengths(w, llen, NLIT);
        write_lengths(w, dlen, NDIST);
        for (size_t t = t0; t < t1; t++) {
            if (tok[t].len == 0) {
                bw_put(w, lcode[tok[t].lit], llen[tok[t].lit]);
                continue;
            }
            int li = code_index(len_base, 29, tok[t].len), di = code_index(dist_base, 30, tok[t].dist);
            bw_put(w, lcode[257 + li], llen[257 + li]);
            bw_put(w, tok[t].len - len_base[li], len_extra[li]);
            bw_put(w, dcode[di], dlen[di]);
            bw_put(w, tok[t].dist - dist_base[di], dist_extra[di]);
        }
        bw_put(w, lcode[256], llen[256]);
    }
    bw_free(&hdr);
}

static void compress(const uint8_t *in, size_t n, const LzParams *p, BitWriter *w, LzStats *ls,
                     CodecStats *cs) {
    Token *tok = malloc((n ? n : 1) * sizeof *tok);
    if (!tok) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    size_t nt = lz77_parse(in, n, tok, p, ls);
    static const uint8_t magic[4] = {'L', 'Z', 'H', '1'};
    bw_init(w, n / 2 + 64);
    bw_bytes(w, magic, 4);
    bw_put(w, (uint32_t)n, 32);
    bw_put(w, adler32(in, n), 32);
    size_t t0 = 0, b0 = 0;
    do { /* cut blocks by token count and by input bytes */
        size_t t1 = t0, b1 = b0;
        while (t1 < nt && t1 - t0 < BLOCK_TOKENS) {
            size_t span = tok[t1].len ? tok[t1].len : 1;
            if (b1 + span - b0 > BLOCK_BYTES)
                break;
            b1 += span;
            t1++;
        }
        encode_block(w, in, b0, b1, tok, t0, t1, t1 == nt, cs);
        t0 = t1;
        b0 = b1;
    } while (t0 < nt);
    bw_align(w);
    free(tok);
}

/* ------------------------------------------------------------- decoder */

enum { E_OK = 0, E_HEADER = -1, E_LENGTHS = -2, E_SYMBOL = -3, E_DIST = -4, E_OVERFLOW = -5,
       E_TRUNCATED = -6, E_CHECKSUM = -7, E_SHORT = -8 };

static int read_lengths(BitReader *r, uint8_t *lens, int n) {
    for (int i = 0; i < n;) {
        uint32_t v = br_get(r, 4);
        if (v) {
            lens[i++] = (uint8_t)v;
            continue;
        }
        int run = 1 + (int)br_get(r, 4);
        if (i + run > n)
            return 0;
        memset(lens + i, 0, (size_t)run);
        i += run;
    }
    return !r->overrun;
}

static int decompress(const uint8_t *src, size_t n, uint8_t **out, size_t *out_len) {
    BitReader r;
    uint8_t magic[4];
    *out = NULL;
    *out_len = 0;
    br_init(&r, src, n);
    if (!br_bytes(&r, magic, 4) || memcmp(magic, "LZH1", 4) != 0)
        return E_HEADER;
    size_t total = br_get(&r, 32);
    uint32_t want_adler = br_get(&r, 32);
    if (r.overrun || total > (size_t)64 << 20)
        return E_HEADER;
    uint8_t *dst = malloc(total ? total : 1);
    if (!dst) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    size_t pos = 0;
    int err = E_OK, last = 0;
    while (!last && err == E_OK) {
        last = (int)br_get(&r, 1);
        if (br_get(&r, 1) == 0) { /* stored */
            br_align(&r);
            size_t len = br_get(&r, 16);
            if (len > total - pos)
                err = E_OVERFLOW;
            else if (!br_bytes(&r, dst + pos, len))
                err = E_TRUNCATED;
            else
                pos += len;
            continue;
        }
        uint8_t llen[NLIT], dlen[NDIST];
        HuffDecoder lit, dist;
        if (!read_lengths(&r, llen, NLIT) || !read_lengths(&r, dlen, NDIST) ||
            huff_decoder_init(&lit, llen, NLIT) != 0 || huff_decoder_init(&dist, dlen, NDIST) != 0) {
            err = E_LENGTHS;
            break;
        }
        for (;;) {
            int sym = huff_decode(&lit, &r);
            if (r.overrun) {
                err = E_TRUNCATED;
                break;
            }
            if (sym < 0 || sym > 285) {
                err = E_SYMBOL;
                break;
            }
            if (sym < 256) {
                if (pos >= total) {
                    err = E_OVERFLOW;
                    break;
                }
                dst[pos++] = (uint8_t)sym;
                continue;
            }
            if (sym == 256)
                break;
            size_t len = len_base[sym - 257] + br_get(&r, len_extra[sym - 257]);
            int dsym = huff_decode(&dist, &r);
            if (dsym < 0 || dsym >= NDIST) {
                err = E_SYMBOL;
                break;
            }
            size_t d = dist_base[dsym] + br_get(&r, dist_extra[dsym]);
            if (d > pos) {
                err = E_DIST;
                break;
            }
            if (len > total - pos) {
                err = E_OVERFLOW;
                break;
            }
            for (size_t k = 0; k < len; k++, pos++) /* may overlap itself */
                dst[pos] = dst[pos - d];
        }
    }
    if (err == E_OK && r.overrun)
        err = E_TRUNCATED;
    if (err == E_OK && pos != total)
        err = E_SHORT;
    if (err == E_OK && adler32(dst, total) != want_adler)
        err = E_CHECKSUM;
    if (err != E_OK) {
        free(dst);
        return err;
    }
    *out = dst;
    *out_len = total;
    return E_OK;
}

/* ----------------------------------------------------------- data sets */

static size_t gen_text(uint8_t *d, size_t n) {
    static const char *const words[] = {
        "the", "of", "and", "a", "to", "in", "is", "that", "it", "for", "compression", "huffman",
        "window", "match", "literal", "distance", "length", "code", "tree", "symbol", "stream",
        "block", "bits", "entropy", "dictionary", "encoder", "decoder", "buffer"};
    const uint32_t nw = (uint32_t)(sizeof words / sizeof words[0]);
    size_t i = 0;
    while (i < n) {
        uint32_t x = rng_next();
        const char *w = words[(x % 64u) * (x % 64u) / 64u * nw / 64u];
        for (size_t k = 0; w[k] && i < n; k++)
            d[i++] = (uint8_t)w[k];
        if (i < n)
            d[i++] = (x >> 24) % 11u == 0 ? '\n' : (x >> 24) % 7u == 0 ? ',' : ' ';
    }
    return n;
}

static size_t gen_random(uint8_t *d, size_t n) {
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(rng_next() >> 24);
    return n;
}

static size_t gen_skewed(uint8_t *d, size_t n) { /* geometric symbol distribution */
    for (size_t i = 0; i < n; i++) {
        uint32_t x = rng_next() | 0x80000000u, k = 0;
        while (!(x & 1u)) {
            x >>= 1;
            k++;
        }
        d[i] = (uint8_t)('A' + k);
    }
    return n;
}

static size_t gen_fibonacci(uint8_t *d, size_t n) { /* frequencies F(1)..F(22) */
    size_t len = 0;
    uint32_t a = 1, b = 1;
    for (int s = 0; s < 22; s++) {
        for (uint32_t k = 0; k < a && len < n; k++)
            d[len++] = (uint8_t)(0x30 + s);
        uint32_t t = a + b;
        a = b;
        b = t;
    }
    for (size_t k = len; k > 1; k--) { /* shuffle */
        size_t j = rng_next() % k;
        uint8_t t = d[k - 1];
        d[k - 1] = d[j];
        d[j] = t;
    }
    return len;
}

static size_t gen_runs(uint8_t *d, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t x = rng_next();
        size_t run = 1 + (x >> 8) % 200u;
        for (size_t k = 0; k < run && i < n; k++)
            d[i++] = (uint8_t)(x & 0x0Fu);
    }
    return n;
}

static size_t gen_records(uint8_t *d, size_t n) { /* 16-byte little-endian records */
    static const char *const names[] = {"alpha", "beta", "gamma", "delta", "eps"};
    size_t i = 0;
    for (uint32_t id = 1000; i + 16 <= n; id++) {
        uint32_t x = rng_next();
        for (int k = 0; k < 4; k++)
            d[i++] = (uint8_t)(id >> (8 * k));
        d[i++] = (uint8_t)(x % 5u);
        d[i++] = (uint8_t)((x >> 8) % 3u);
        d[i++] = (uint8_t)(x >> 16);
        d[i++] = 0;
        const char *nm = names[x % 5u];
        size_t nl = strlen(nm);
        for (size_t k = 0; k < 8; k++)
            d[i++] = (uint8_t)(k < nl ? nm[k] : '_');
    }
    while (i < n)
        d[i++] = 0;
    return n;
}

static size_t gen_mixed(uint8_t *d, size_t n) {
    size_t q = n / 4;
    gen_text(d, q);
    gen_random(d + q, q);
    gen_runs(d + 2 * q, q);
    gen_records(d + 3 * q, n - 3 * q);
    return n;
}

/* Length limiting: Fibonacci weights make a 29-level Huffman tree, which
 * must be squeezed to 15 bits and still form a complete prefix code. */
static int huffman_selftest(uint32_t *h) {
    uint32_t freq[30], a = 1, b = 1;
    uint8_t lens[30], syms[3000];
    uint16_t codes[30];
    for (int s = 0; s < 30; s++) {
        freq[s] = a;
        uint32_t t = a + b;
        a = b;
        b = t;
    }
    int moved = huff_lengths(freq, 30, HUFF_MAX_BITS, lens), maxlen = 0;
    for (int s = 0; s < 30; s++)
        maxlen = lens[s] > maxlen ? lens[s] : maxlen;
    uint32_t kraft = huff_kraft(lens, 30);
    huff_codes(lens, 30, codes);
    BitWriter w;
    bw_init(&w, 1024);
    for (int i = 0; i < 3000; i++) {
        syms[i] = (uint8_t)(rng_next() % 30u);
        bw_put(&w, codes[syms[i]], lens[syms[i]]);
    }
    bw_align(&w);
    HuffDecoder d;
    BitReader r;
    int same = huff_decoder_init(&d, lens, 30) == 0;
    br_init(&r, w.buf, w.len);
    for (int i = 0; i < 3000 && same; i++)
        same = huff_decode(&d, &r) == syms[i];
    printf("huffman: fibonacci weights -> max length %d, %d leaves moved, kraft %u/32768, "
           "%zu bytes, round trip %s\n",
           maxlen, moved, (unsigned)kraft, w.len, same ? "ok" : "FAILED");
    for (int s = 0; s < 30; s++)
        *h = (*h ^ lens[s]) * 16777619u;
    bw_free(&w);
    return same && maxlen == HUFF_MAX_BITS && moved > 0 && kraft == 32768u;
}

int main(void) {
    static const struct {
        const char *name;
        size_t (*gen)(uint8_t *, size_t);
    } sets[] = {{"text", gen_text},           {"random", gen_random}, {"skewed", gen_skewed},
                {"fibonacci", gen_fibonacci}, {"runs", gen_runs},     {"records", gen_records},
                {"mixed", gen_mixed}};
    static const LzParams levels[2] = {{8, 0, 32}, {64, 1, 258}};
    uint8_t *data = malloc(DATA_SIZE);
    BitWriter keep;
    int ok = 1;
    uint32_t h = 2166136261u;
    memset(&keep, 0, sizeof keep);
    if (!data) {
        printf("FAIL out of memory\n");
        return 1;
    }
    if (!huffman_selftest(&h)) {
        printf("FAIL huffman self-test\n");
        ok = 0;
    }

    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        size_t n = sets[s].gen(data, DATA_SIZE);
        size_t csize[2];
        LzStats ls[2];
        CodecStats cs[2];
        int rt_ok = 1;
        for (int lv = 0; lv < 2; lv++) {
            BitWriter w;
            uint8_t *back;
            size_t back_len;
            memset(&ls[lv], 0, sizeof ls[lv]);
            memset(&cs[lv], 0, sizeof cs[lv]);
            compress(data, n, &levels[lv], &w, &ls[lv], &cs[lv]);
            csize[lv] = w.len;
            int err = decompress(w.buf, w.len, &back, &back_len);
            rt_ok &= err == E_OK && back_len == n && memcmp(back, data, n) == 0;
            rt_ok &= cs[lv].kraft_errors == 0;
            for (size_t i = 0; i < w.len; i++)
                h = (h ^ w.buf[i]) * 16777619u;
            free(back);
            if (s == 0 && lv == 1) { /* keep for the corruption test */
                keep = w;
                continue;
            }
            bw_free(&w);
        }
        const LzStats *b = &ls[1];
        printf("%-9s %6zu -> fast %6zu, best %6zu (%4zu permille)  blocks %lus/%luh  matches %lu "
               "avg %lu.%lu  lazy %lu  moved %lu  %s\n",
               sets[s].name, n, csize[0], csize[1], csize[1] * 1000 / n, cs[1].stored_blocks,
               cs[1].huff_blocks, b->matches, b->matches ? b->match_bytes / b->matches : 0,
               b->matches ? b->match_bytes * 10 / b->matches % 10 : 0, b->lazy_defers,
               cs[1].moved_leaves + cs[0].moved_leaves, rt_ok ? "ok" : "ROUND TRIP FAILED");
        if (!rt_ok) {
            printf("FAIL %s round trip\n", sets[s].name);
            ok = 0;
        }
        if (csize[1] > csize[0] || csize[1] > n + n / 100 + 64) {
            printf("FAIL %s: unexpected compressed size\n", sets[s].name);
            ok = 0;
        }
        h = (h ^ (uint32_t)(csize[0] * 31u + csize[1])) * 16777619u;
        h = (h ^ (uint32_t)ls[1].chain_steps) * 16777619u;
    }

    /* Corrupted and truncated streams: every one must be rejected or at
     * least decode to different data; none may crash. */
    int rejected = 0, differed = 0, codes = 0;
    rng_state = 0x9B05688Cu; /* regenerate the first data set */
    size_t text_len = gen_text(data, DATA_SIZE);
    for (int k = 0; k < 12; k++) {
        uint8_t *bad = malloc(keep.len);
        uint8_t *back;
        size_t back_len, blen = keep.len;
        if (!bad) {
            printf("FAIL out of memory\n");
            return 1;
        }
        memcpy(bad, keep.buf, keep.len);
        if (k < 9) {
            size_t bit = (size_t)(k * 7919 + 101) * 8 % (keep.len * 8);
            bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        } else {
            blen = keep.len * (size_t)(k - 8) / 4; /* truncate to 1/4, 2/4, 3/4 */
        }
        int err = decompress(bad, blen, &back, &back_len);
        if (err != E_OK)
            rejected++;
        else if (back_len != text_len || memcmp(back, data, text_len) != 0)
            differed++;
        codes = codes * 3 + (err < 0 ? -err : 0);
        free(back);
        free(bad);
    }
    printf("corrupted streams: %d rejected, %d decoded differently, %d undetected\n", rejected,
           differed, 12 - rejected - differed);
    if (rejected + differed != 12) {
        printf("FAIL corruption went undetected\n");
        ok = 0;
    }
    h = (h ^ (uint32_t)codes) * 16777619u;
    bw_free(&keep);
    free(data);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
