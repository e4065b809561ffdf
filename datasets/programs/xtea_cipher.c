/* xtea_cipher.c - two block ciphers behind a function-pointer interface:
 * XTEA (64-bit block) and AES-128 (S-box generated from GF(2^8) inverses),
 * used in ECB, CBC and CTR modes over a generated buffer. Known-answer tests
 * for both ciphers and encrypt/decrypt round trips for every mode.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BUF_LEN (48 * 1024)
#define XTEA_ROUNDS 32

typedef struct {
    const char *name;
    size_t block;
    void (*setkey)(void *ctx, const uint8_t *key);
    void (*encrypt)(const void *ctx, const uint8_t *in, uint8_t *out);
    void (*decrypt)(const void *ctx, const uint8_t *in, uint8_t *out);
} Cipher;

typedef struct {
    uint32_t k[4];
} XteaCtx;

typedef struct {
    uint8_t rk[176]; /* 11 round keys */
} AesCtx;

static uint8_t plain[BUF_LEN];
static uint8_t cipher_buf[BUF_LEN];
static uint8_t back[BUF_LEN];

static uint8_t sbox[256];
static uint8_t inv_sbox[256];

static uint32_t xorshift32(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ------------------------------- XTEA ------------------------------- */
static void xtea_setkey(void *vctx, const uint8_t *key) {
    XteaCtx *c = vctx;
    for (int i = 0; i < 4; i++)
        c->k[i] = load_be32(key + 4 * i);
}

static void xtea_encrypt(const void *vctx, const uint8_t *in, uint8_t *out) {
    const XteaCtx *c = vctx;
    uint32_t v0 = load_be32(in), v1 = load_be32(in + 4), sum = 0;
    const uint32_t delta = 0x9E3779B9u;
    for (int i = 0; i < XTEA_ROUNDS; i++) {
        v0 += (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + c->k[sum & 3u]);
        sum += delta;
        v1 += (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + c->k[(sum >> 11) & 3u]);
    }
    store_be32(out, v0);
    store_be32(out + 4, v1);
}

static void xtea_decrypt(const void *vctx, const uint8_t *in, uint8_t *out) {
    const XteaCtx *c = vctx;
    uint32_t v0 = load_be32(in), v1 = load_be32(in + 4);
    const uint32_t delta = 0x9E3779B9u;
    uint32_t sum = delta * (uint32_t)XTEA_ROUNDS;
    for (int i = 0; i < XTEA_ROUNDS; i++) {
        v1 -= (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + c->k[(sum >> 11) & 3u]);
        sum -= delta;
        v0 -= (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + c->k[sum & 3u]);
    }
    store_be32(out, v0);
    store_be32(out + 4, v1);
}

/* ------------------------------ AES-128 ------------------------------ */
static uint8_t xtime(uint8_t x) {
    return (uint8_t)((x << 1) ^ ((x & 0x80u) ? 0x1Bu : 0x00u));
}

static uint8_t gmul(uint8_t a, uint8_t b) {
    uint8_t r = 0;
    while (b) {
        if (b & 1u)
            r ^= a;
        a = xtime(a);
        b >>= 1;
    }
    return r;
}

static uint8_t rotl8(uint8_t x, int n) {
    return (uint8_t)((x << n) | (x >> (8 - n)));
}

/* S-box = affine(inverse(x)), inverses via exp/log tables with generator 3. */
static void aes_build_sbox(void) {
    uint8_t exp_t[256], log_t[256];
    uint8_t x = 1;
    memset(log_t, 0, sizeof log_t);
    for (int i = 0; i < 255; i++) {
        exp_t[i] = x;
        log_t[x] = (uint8_t)i;
        x = (uint8_t)(x ^ xtime(x)); /* multiply by 3 */
    }
    exp_t[255] = exp_t[0];
    for (int i = 0; i < 256; i++) {
        uint8_t inv = (i == 0) ? 0 : exp_t[(255 - log_t[i]) % 255];
        uint8_t s = (uint8_t)(inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^
                              rotl8(inv, 4) ^ 0x63u);
        sbox[i] = s;
        inv_sbox[s] = (uint8_t)i;
    }
}

static void aes_setkey(void *vctx, const uint8_t *key) {
    AesCtx *c = vctx;
    uint8_t rcon = 1;
    memcpy(c->rk, key, 16);
    for (int i = 16; i < 176; i += 4) {
        uint8_t t[4];
        memcpy(t, c->rk + i - 4, 4);
        if (i % 16 == 0) {
            uint8_t t0 = t[0];
            t[0] = (uint8_t)(sbox[t[1]] ^ rcon);
            t[1] = sbox[t[2]];
            t[2] = sbox[t[3]];
            t[3] = sbox[t0];
            rcon = xtime(rcon);
        }
        for (int j = 0; j < 4; j++)
            c->rk[i + j] = (uint8_t)(c->rk[i + j - 16] ^ t[j]);
    }
}

static void add_round_key(uint8_t s[16], const uint8_t *rk) {
    for (int i = 0; i < 16; i++)
        s[i] ^= rk[i];
}

static void sub_bytes(uint8_t s[16], const uint8_t *table) {
    for (int i = 0; i < 16; i++)
        s[i] = table[s[i]];
}

/* State is column-major: s[4*col + row]. dir=+1 forward, -1 inverse. */
static void shift_rows(uint8_t s[16], int dir) {
    uint8_t t[16];
    for (int col = 0; col < 4; col++)
        for (int row = 0; row < 4; row++) {
            int src = (col + dir * row + 4) & 3;
            t[4 * col + row] = s[4 * src + row];
        }
    memcpy(s, t, 16);
}

static void mix_columns(uint8_t s[16]) {
    for (int c = 0; c < 4; c++) {
        uint8_t *p = s + 4 * c;
        uint8_t a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3];
        uint8_t all = (uint8_t)(a0 ^ a1 ^ a2 ^ a3);
        p[0] = (uint8_t)(a0 ^ all ^ xtime((uint8_t)(a0 ^ a1)));
        p[1] = (uint8_t)(a1 ^ all ^ xtime((uint8_t)(a1 ^ a2)));
        p[2] = (uint8_t)(a2 ^ all ^ xtime((uint8_t)(a2 ^ a3)));
        p[3] = (uint8_t)(a3 ^ all ^ xtime((uint8_t)(a3 ^ a0)));
    }
}

static void inv_mix_columns(uint8_t s[16]) {
    for (int c = 0; c < 4; c++) {
        uint8_t *p = s + 4 * c;
        uint8_t a[4] = {p[0], p[1], p[2], p[3]};
        for (int r = 0; r < 4; r++)
            p[r] = (uint8_t)(gmul(a[r], 14) ^ gmul(a[(r + 1) & 3], 11) ^
                             gmul(a[(r + 2) & 3], 13) ^ gmul(a[(r + 3) & 3], 9));
    }
}

static void aes_encrypt(const void *vctx, const uint8_t *in, uint8_t *out) {
    const AesCtx *c = vctx;
    uint8_t s[16];
    memcpy(s, in, 16);
    add_round_key(s, c->rk);
    for (int round = 1; round < 10; round++) {
        sub_bytes(s, sbox);
        shift_rows(s, 1);
        mix_columns(s);
        add_round_key(s, c->rk + 16 * round);
    }
    sub_bytes(s, sbox);
    shift_rows(s, 1);
    add_round_key(s, c->rk + 160);
    memcpy(out, s, 16);
}

static void aes_decrypt(const void *vctx, const uint8_t *in, uint8_t *out) {
    const AesCtx *c = vctx;
    uint8_t s[16];
    memcpy(s, in, 16);
    add_round_key(s, c->rk + 160);
    for (int round = 9; round > 0; round--) {
        shift_rows(s, -1);
        sub_bytes(s, inv_sbox);
        add_round_key(s, c->rk + 16 * round);
        inv_mix_columns(s);
    }
    shift_rows(s, -1);
    sub_bytes(s, inv_sbox);
    add_round_key(s, c->rk);
    memcpy(out, s, 16);
}

/* ------------------------------- modes ------------------------------- */
static void ecb(const Cipher *ci, const void *ctx, int enc, const uint8_t *in, uint8_t *out,
                size_t n) {
    for (size_t i = 0; i < n; i += ci->block)
        (enc ? ci->encrypt : ci->decrypt)(ctx, in + i, out + i);
}

static void cbc_encrypt(const Cipher *ci, const void *ctx, const uint8_t *iv, const uint8_t *in,
                        uint8_t *out, size_t n) {
    uint8_t chain[16], tmp[16];
    memcpy(chain, iv, ci->block);
    for (size_t i = 0; i < n; i += ci->block) {
        for (size_t j = 0; j < ci->block; j++)
            tmp[j] = (uint8_t)(in[i + j] ^ chain[j]);
        ci->encrypt(ctx, tmp, out + i);
        memcpy(chain, out + i, ci->block);
    }
}

static void cbc_decrypt(const Cipher *ci, const void *ctx, const uint8_t *iv, const uint8_t *in,
                        uint8_t *out, size_t n) {
    uint8_t chain[16], tmp[16];
    memcpy(chain, iv, ci->block);
    for (size_t i = 0; i < n; i += ci->block) {
        ci->decrypt(ctx, in + i, tmp);
        for (size_t j = 0; j < ci->block; j++)
            out[i + j] = (uint8_t)(tmp[j] ^ chain[j]);
        memcpy(chain, in + i, ci->block);
    }
}

/* CTR: big-endian counter in the last 4 bytes of the block; self-inverse. */
static void ctr_xcrypt(const Cipher *ci, const void *ctx, const uint8_t *nonce, const uint8_t *in,
                       uint8_t *out, size_t n) {
    uint8_t ctrblk[16], ks[16];
    memcpy(ctrblk, nonce, ci->block);
    uint32_t counter = load_be32(ctrblk + ci->block - 4);
    for (size_t i = 0; i < n; i += ci->block) {
        store_be32(ctrblk + ci->block - 4, counter++);
        ci->encrypt(ctx, ctrblk, ks);
        size_t m = (n - i < ci->block) ? n - i : ci->block;
        for (size_t j = 0; j < m; j++)
            out[i + j] = (uint8_t)(in[i + j] ^ ks[j]);
    }
}

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}

static void print_hex(const char *label, const uint8_t *p, size_t n) {
    printf("%-22s", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

static const Cipher ciphers[2] = {
    {"XTEA", 8, xtea_setkey, xtea_encrypt, xtea_decrypt},
    {"AES-128", 16, aes_setkey, aes_encrypt, aes_decrypt},
};

int main(void) {
    int ok = 1;
    uint32_t h = 0x811c9dc5u;
    XteaCtx xctx;
    AesCtx actx;
    void *ctxs[2] = {&xctx, &actx};
    uint8_t key[16], blk[16], out[16];

    aes_build_sbox();
    printf("sbox[00]=%02x sbox[53]=%02x inv[63]=%02x\n", sbox[0], sbox[0x53], inv_sbox[0x63]);
    if (sbox[0] != 0x63 || sbox[0x53] != 0xed || inv_sbox[0x63] != 0) {
        printf("FAIL sbox\n");
        ok = 0;
    }

    /* Known answers. */
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    static const uint8_t xtea_pt[8] = {0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48};
    static const uint8_t xtea_ct[8] = {0x49, 0x7d, 0xf3, 0xd0, 0x72, 0x61, 0x2c, 0xb5};
    ciphers[0].setkey(&xctx, key);
    ciphers[0].encrypt(&xctx, xtea_pt, out);
    print_hex("XTEA kat", out, 8);
    ciphers[0].decrypt(&xctx, out, blk);
    if (memcmp(out, xtea_ct, 8) != 0 || memcmp(blk, xtea_pt, 8) != 0) {
        printf("FAIL XTEA known answer\n");
        ok = 0;
    }
    static const uint8_t aes_pt[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    static const uint8_t aes_ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                       0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    ciphers[1].setkey(&actx, key);
    ciphers[1].encrypt(&actx, aes_pt, out);
    print_hex("AES-128 kat", out, 16);
    ciphers[1].decrypt(&actx, out, blk);
    if (memcmp(out, aes_ct, 16) != 0 || memcmp(blk, aes_pt, 16) != 0) {
        printf("FAIL AES known answer\n");
        ok = 0;
    }

    /* Bulk modes with generated keys and data. */
    uint32_t seed = 0x31415926u;
    for (size_t i = 0; i < BUF_LEN; i++)
        plain[i] = (uint8_t)(xorshift32(&seed) >> 13);
    for (int ci = 0; ci < 2; ci++) {
        const Cipher *c = &ciphers[ci];
        void *ctx = ctxs[ci];
        uint8_t iv[16];
        for (int i = 0; i < 16; i++) {
            key[i] = (uint8_t)xorshift32(&seed);
            iv[i] = (uint8_t)xorshift32(&seed);
        }
        c->setkey(ctx, key);
        for (int mode = 0; mode < 3; mode++) {
            static const char *const mode_names[3] = {"ECB", "CBC", "CTR"};
            size_t n = (mode == 2) ? BUF_LEN - 5 : BUF_LEN; /* CTR: ragged tail */
            memset(back, 0, BUF_LEN);
            switch (mode) {
            case 0:
                ecb(c, ctx, 1, plain, cipher_buf, n);
                ecb(c, ctx, 0, cipher_buf, back, n);
                break;
            case 1:
                cbc_encrypt(c, ctx, iv, plain, cipher_buf, n);
                cbc_decrypt(c, ctx, iv, cipher_buf, back, n);
                break;
            default:
                ctr_xcrypt(c, ctx, iv, plain, cipher_buf, n);
                ctr_xcrypt(c, ctx, iv, cipher_buf, back, n);
                break;
            }
            int round_trip = memcmp(back, plain, n) == 0;
            uint32_t ch = fnv1a(0x811c9dc5u, cipher_buf, n);
            printf("%-8s %s  bytes %6zu  ct-hash 0x%08x  %s\n", c->name, mode_names[mode], n,
                   (unsigned)ch, round_trip ? "round-trip ok" : "ROUND-TRIP BAD");
            if (!round_trip) {
                printf("FAIL %s %s round trip\n", c->name, mode_names[mode]);
                ok = 0;
            }
            h = (h ^ ch) * 0x01000193u;
        }
    }

    /* Iterated encryption (Monte-Carlo style) on one block per cipher. */
    for (int ci = 0; ci < 2; ci++) {
        memset(blk, 0, 16);
        for (int i = 0; i < 3000; i++)
            ciphers[ci].encrypt(ctxs[ci], blk, blk);
        print_hex(ciphers[ci].name, blk, ciphers[ci].block);
        h = fnv1a(h, blk, ciphers[ci].block);
    }

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
