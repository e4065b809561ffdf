/* md5.c - MD5 two ways: a table-driven loop that selects the round function
 * with a switch, and a fully unrolled macro-step version; streaming
 * update/final, HMAC-MD5, RFC 1321 / RFC 2104 known-answer tests and a
 * cross-check over generated messages of many lengths.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX 8192
#define NUM_MSGS 1500

typedef void (*CompressFn)(uint32_t st[4], const uint8_t *blk);

typedef struct {
    uint32_t state[4];
    uint64_t total;
    uint8_t block[64];
    size_t used;
    CompressFn compress;
} Md5;

static const uint32_t T[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au,
    0xa8304613u, 0xfd469501u, 0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
    0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u, 0xf61e2562u, 0xc040b340u,
    0x265e5a51u, 0xe9b6c7aau, 0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
    0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu, 0xa9e3e905u, 0xfcefa3f8u,
    0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
    0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u, 0x289b7ec6u, 0xeaa127fau,
    0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
    0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u,
    0xffeff47du, 0x85845dd1u, 0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u};

static const unsigned S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static uint8_t msg[MSG_MAX];

static uint32_t xorshift32(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static uint32_t rotl(uint32_t x, unsigned n) {
    return (x << n) | (x >> (32u - n));
}

static uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static void store_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Loop form: round function and message index chosen by a switch. */
static void md5_compress_loop(uint32_t st[4], const uint8_t *blk) {
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load_le32(blk + 4 * i);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        switch (i >> 4) {
        case 0:
            f = (b & c) | (~b & d);
            g = i;
            break;
        case 1:
            f = (d & b) | (~d & c);
            g = (5 * i + 1) & 15;
            break;
        case 2:
            f = b ^ c ^ d;
            g = (3 * i + 5) & 15;
            break;
        default:
            f = c ^ (b | ~d);
            g = (7 * i) & 15;
            break;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + rotl(a + f + T[i] + m[g], S[i >> 4][i & 3]);
        a = tmp;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

#define MD5_F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define MD5_G(x, y, z) (((x) & (z)) | ((y) & ~(z)))
#define MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define STEP(fn, a, b, c, d, k, s, t) (a) = (b) + rotl((a) + fn((b), (c), (d)) + m[k] + (t), (s))

/* Fully unrolled form, as in the RFC reference implementation. */
static void md5_compress_unrolled(uint32_t st[4], const uint8_t *blk) {
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load_le32(blk + 4 * i);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];

    STEP(MD5_F, a, b, c, d, 0, 7, 0xd76aa478u);
    STEP(MD5_F, d, a, b, c, 1, 12, 0xe8c7b756u);
    STEP(MD5_F, c, d, a, b, 2, 17, 0x242070dbu);
    STEP(MD5_F, b, c, d, a, 3, 22, 0xc1bdceeeu);
    STEP(MD5_F, a, b, c, d, 4, 7, 0xf57c0fafu);
    STEP(MD5_F, d, a, b, c, 5, 12, 0x4787c62au);
    STEP(MD5_F, c, d, a, b, 6, 17, 0xa8304613u);
    STEP(MD5_F, b, c, d, a, 7, 22, 0xfd469501u);
    STEP(MD5_F, a, b, c, d, 8, 7, 0x698098d8u);
    STEP(MD5_F, d, a, b, c, 9, 12, 0x8b44f7afu);
    STEP(MD5_F, c, d, a, b, 10, 17, 0xffff5bb1u);
    STEP(MD5_F, b, c, d, a, 11, 22, 0x895cd7beu);
    STEP(MD5_F, a, b, c, d, 12, 7, 0x6b901122u);
    STEP(MD5_F, d, a, b, c, 13, 12, 0xfd987193u);
    STEP(MD5_F, c, d, a, b, 14, 17, 0xa679438eu);
    STEP(MD5_F, b, c, d, a, 15, 22, 0x49b40821u);

    STEP(MD5_G, a, b, c, d, 1, 5, 0xf61e2562u);
    STEP(MD5_G, d, a, b, c, 6, 9, 0xc040b340u);
    STEP(MD5_G, c, d, a, b, 11, 14, 0x265e5a51u);
    STEP(MD5_G, b, c, d, a, 0, 20, 0xe9b6c7aau);
    STEP(MD5_G, a, b, c, d, 5, 5, 0xd62f105du);
    STEP(MD5_G, d, a, b, c, 10, 9, 0x02441453u);
    STEP(MD5_G, c, d, a, b, 15, 14, 0xd8a1e681u);
    STEP(MD5_G, b, c, d, a, 4, 20, 0xe7d3fbc8u);
    STEP(MD5_G, a, b, c, d, 9, 5, 0x21e1cde6u);
    STEP(MD5_G, d, a, b, c, 14, 9, 0xc33707d6u);
    STEP(MD5_G, c, d, a, b, 3, 14, 0xf4d50d87u);
    STEP(MD5_G, b, c, d, a, 8, 20, 0x455a14edu);
    STEP(MD5_G, a, b, c, d, 13, 5, 0xa9e3e905u);
    STEP(MD5_G, d, a, b, c, 2, 9, 0xfcefa3f8u);
    STEP(MD5_G, c, d, a, b, 7, 14, 0x676f02d9u);
    STEP(MD5_G, b, c, d, a, 12, 20, 0x8d2a4c8au);

    STEP(MD5_H, a, b, c, d, 5, 4, 0xfffa3942u);
    STEP(MD5_H, d, a, b, c, 8, 11, 0x8771f681u);
    STEP(MD5_H, c, d, a, b, 11, 16, 0x6d9d6122u);
    STEP(MD5_H, b, c, d, a, 14, 23, 0xfde5380cu);
    STEP(MD5_H, a, b, c, d, 1, 4, 0xa4beea44u);
    STEP(MD5_H, d, a, b, c, 4, 11, 0x4bdecfa9u);
    STEP(MD5_H, c, d, a, b, 7, 16, 0xf6bb4b60u);
    STEP(MD5_H, b, c, d, a, 10, 23, 0xbebfbc70u);
    STEP(MD5_H, a, b, c, d, 13, 4, 0x289b7ec6u);
    STEP(MD5_H, d, a, b, c, 0, 11, 0xeaa127fau);
    STEP(MD5_H, c, d, a, b, 3, 16, 0xd4ef3085u);
    STEP(MD5_H, b, c, d, a, 6, 23, 0x04881d05u);
    STEP(MD5_H, a, b, c, d, 9, 4, 0xd9d4d039u);
    STEP(MD5_H, d, a, b, c, 12, 11, 0xe6db99e5u);
    STEP(MD5_H, c, d, a, b, 15, 16, 0x1fa27cf8u);
    STEP(MD5_H, b, c, d, a, 2, 23, 0xc4ac5665u);

    STEP(MD5_I, a, b, c, d, 0, 6, 0xf4292244u);
    STEP(MD5_I, d, a, b, c, 7, 10, 0x432aff97u);
    STEP(MD5_I, c, d, a, b, 14, 15, 0xab9423a7u);
    STEP(MD5_I, b, c, d, a, 5, 21, 0xfc93a039u);
    STEP(MD5_I, a, b, c, d, 12, 6, 0x655b59c3u);
    STEP(MD5_I, d, a, b, c, 3, 10, 0x8f0ccc92u);
    STEP(MD5_I, c, d, a, b, 10, 15, 0xffeff47du);
    STEP(MD5_I, b, c, d, a, 1, 21, 0x85845dd1u);
    STEP(MD5_I, a, b, c, d, 8, 6, 0x6fa87e4fu);
    STEP(MD5_I, d, a, b, c, 15, 10, 0xfe2ce6e0u);
    STEP(MD5_I, c, d, a, b, 6, 15, 0xa3014314u);
    STEP(MD5_I, b, c, d, a, 13, 21, 0x4e0811a1u);
    STEP(MD5_I, a, b, c, d, 4, 6, 0xf7537e82u);
    STEP(MD5_I, d, a, b, c, 11, 10, 0xbd3af235u);
    STEP(MD5_I, c, d, a, b, 2, 15, 0x2ad7d2bbu);
    STEP(MD5_I, b, c, d, a, 9, 21, 0xeb86d391u);

    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

static void md5_init(Md5 *c, CompressFn fn) {
    c->state[0] = 0x67452301u;
    c->state[1] = 0xefcdab89u;
    c->state[2] = 0x98badcfeu;
    c->state[3] = 0x10325476u;
    c->total = 0;
    c->used = 0;
    c->compress = fn;
}

static void md5_update(Md5 *c, const uint8_t *p, size_t n) {
    c->total += n;
    while (n > 0) {
        if (c->used == 0 && n >= 64) {
            c->compress(c->state, p);
            p += 64;
            n -= 64;
            continue;
        }
        size_t take = 64 - c->used;
        if (take > n)
            take = n;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used == 64) {
            c->compress(c->state, c->block);
            c->used = 0;
        }
    }
}

static void md5_final(Md5 *c, uint8_t out[16]) {
    static const uint8_t pad[64] = {0x80};
    uint8_t lenbytes[8];
    uint64_t bits = c->total * 8u;
    for (int i = 0; i < 8; i++)
        lenbytes[i] = (uint8_t)(bits >> (8 * i));
    size_t padlen = (c->used < 56) ? 56 - c->used : 120 - c->used;
    md5_update(c, pad, padlen);
    md5_update(c, lenbytes, 8);
    for (int i = 0; i < 4; i++)
        store_le32(out + 4 * i, c->state[i]);
}

static void md5(const uint8_t *p, size_t n, CompressFn fn, uint8_t out[16]) {
    Md5 c;
    md5_init(&c, fn);
    md5_update(&c, p, n);
    md5_final(&c, out);
}

static void hmac_md5(const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
                     uint8_t out[16]) {
    uint8_t k0[64] = {0};
    uint8_t pad[64];
    uint8_t inner[16];
    if (klen > 64)
        md5(key, klen, md5_compress_unrolled, k0);
    else
        memcpy(k0, key, klen);
    Md5 c;
    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x36u);
    md5_init(&c, md5_compress_unrolled);
    md5_update(&c, pad, 64);
    md5_update(&c, data, dlen);
    md5_final(&c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x5cu);
    md5_init(&c, md5_compress_unrolled);
    md5_update(&c, pad, 64);
    md5_update(&c, inner, 16);
    md5_final(&c, out);
}

static void to_hex(const uint8_t *d, int n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

static uint32_t mix_digest(uint32_t h, const uint8_t d[16]) {
    for (int i = 0; i < 16; i += 4)
        h = mix32(h, load_le32(d + i));
    return h;
}

static const char *const rfc_inputs[7] = {
    "",
    "a",
    "abc",
    "message digest",
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};

static const char *const rfc_digests[7] = {
    "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
    "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
    "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
    "57edf4a22be3c955ac49da2e2107b67a"};

int main(void) {
    int ok = 1;
    uint32_t h = 0;
    uint8_t d1[16], d2[16];
    char hex[33];

    for (int i = 0; i < 7; i++) {
        const uint8_t *p = (const uint8_t *)rfc_inputs[i];
        size_t n = strlen(rfc_inputs[i]);
        md5(p, n, md5_compress_loop, d1);
        md5(p, n, md5_compress_unrolled, d2);
        to_hex(d1, 16, hex);
        int good = strcmp(hex, rfc_digests[i]) == 0 && memcmp(d1, d2, 16) == 0;
        printf("MD5 (\"%.20s%s\") = %s %s\n", rfc_inputs[i], n > 20 ? "..." : "", hex,
               good ? "ok" : "BAD");
        if (!good) {
            printf("FAIL RFC 1321 test %d\n", i);
            ok = 0;
        }
        h = mix_digest(h, d1);
    }

    static const char hkey[] = "Jefe";
    static const char hdata[] = "what do ya want for nothing?";
    hmac_md5((const uint8_t *)hkey, 4, (const uint8_t *)hdata, strlen(hdata), d1);
    to_hex(d1, 16, hex);
    printf("HMAC-MD5 (Jefe) = %s\n", hex);
    if (strcmp(hex, "750c783e6ab0b503eaa86e310a5db738") != 0) {
        printf("FAIL RFC 2104 test\n");
        ok = 0;
    }
    h = mix_digest(h, d1);

    /* Many lengths: loop vs unrolled compression, one-shot vs byte-split. */
    uint32_t seed = 0xDEADBEEFu;
    for (int i = 0; i < MSG_MAX; i++)
        msg[i] = (uint8_t)(xorshift32(&seed) >> 5);
    int mismatches = 0;
    uint32_t lh = 0;
    for (int k = 0; k < NUM_MSGS; k++) {
        size_t len = (k < 150) ? (size_t)k : (size_t)(xorshift32(&seed) % MSG_MAX);
        size_t split = len ? (size_t)(xorshift32(&seed) % len) : 0;
        md5(msg, len, md5_compress_loop, d1);
        Md5 c;
        md5_init(&c, md5_compress_unrolled);
        md5_update(&c, msg, split);
        md5_update(&c, msg + split, len - split);
        md5_final(&c, d2);
        if (memcmp(d1, d2, 16) != 0)
            mismatches++;
        lh = mix_digest(lh, d2);
    }
    printf("messages %d, mismatches %d, hash 0x%08x\n", NUM_MSGS, mismatches, (unsigned)lh);
    if (mismatches) {
        printf("FAIL loop/unrolled mismatch\n");
        ok = 0;
    }
    h = mix32(h, lh);

    /* Iterated digest chain and a long-key HMAC. */
    memset(d1, 0, 16);
    for (int i = 0; i < 5000; i++)
        md5(d1, 16, (i & 1) ? md5_compress_loop : md5_compress_unrolled, d1);
    to_hex(d1, 16, hex);
    printf("chain-5000 = %s\n", hex);
    h = mix_digest(h, d1);
    hmac_md5(msg, 100, msg + 100, 2000, d2);
    to_hex(d2, 16, hex);
    printf("hmac-longkey = %s\n", hex);
    h = mix_digest(h, d2);

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
