/* sha256.c - streaming SHA-256 (init/update/final), HMAC-SHA256 and a hash
 * chain over generated messages of many lengths; one-shot vs chunked-update
 * cross-check and FIPS 180-2 / RFC 4231 known-answer tests.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX 4096
#define NUM_LENGTHS 300
#define MILLION 1000000u

typedef struct {
    uint32_t state[8];
    uint64_t total;      /* bytes processed so far */
    uint8_t block[64];
    size_t used;         /* bytes buffered in block */
} Sha256;

static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static const uint32_t H0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                               0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};

static uint8_t msg[MSG_MAX];
static uint8_t big[MILLION];

static uint32_t xorshift32(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static uint32_t rotr(uint32_t x, unsigned n) {
    return (x >> n) | (x << (32u - n));
}
static uint32_t ch(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
static uint32_t maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
static uint32_t bsig0(uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
static uint32_t bsig1(uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
static uint32_t ssig0(uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
static uint32_t ssig1(uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

static uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void sha256_compress(uint32_t st[8], const uint8_t *blk) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = load_be32(blk + 4 * i);
    for (int i = 16; i < 64; i++)
        w[i] = ssig1(w[i - 2]) + w[i - 7] + ssig0(w[i - 15]) + w[i - 16];

    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + bsig1(e) + ch(e, f, g) + K[i] + w[i];
        uint32_t t2 = bsig0(a) + maj(a, b, c);
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

static void sha256_init(Sha256 *c) {
    memcpy(c->state, H0, sizeof H0);
    c->total = 0;
    c->used = 0;
}

static void sha256_update(Sha256 *c, const uint8_t *p, size_t n) {
    c->total += n;
    if (c->used > 0) {
        size_t take = 64 - c->used;
        if (take > n)
            take = n;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used < 64)
            return;
        sha256_compress(c->state, c->block);
        c->used = 0;
    }
    while (n >= 64) {
        sha256_compress(c->state, p);
        p += 64;
        n -= 64;
    }
    if (n > 0) {
        memcpy(c->block, p, n);
        c->used = n;
    }
}

static void sha256_final(Sha256 *c, uint8_t out[32]) {
    uint64_t bits = c->total * 8u;
    c->block[c->used++] = 0x80;
    if (c->used > 56) {
        while (c->used < 64)
            c->block[c->used++] = 0;
        sha256_compress(c->state, c->block);
        c->used = 0;
    }
    while (c->used < 56)
        c->block[c->used++] = 0;
    for (int i = 0; i < 8; i++)
        c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_compress(c->state, c->block);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->state[i]);
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32]) {
    Sha256 c;
    sha256_init(&c);
    sha256_update(&c, p, n);
    sha256_final(&c, out);
}

/* Feed the message in pseudo-random chunk sizes (0..97 bytes). */
static void sha256_chunked(const uint8_t *p, size_t n, uint32_t seed, uint8_t out[32]) {
    Sha256 c;
    sha256_init(&c);
    size_t pos = 0;
    while (pos < n) {
        size_t k = xorshift32(&seed) % 98u;
        if (k > n - pos)
            k = n - pos;
        sha256_update(&c, p + pos, k);
        pos += k;
    }
    sha256_final(&c, out);
}

static void hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
                        uint8_t out[32]) {
    uint8_t k0[64];
    uint8_t pad[64];
    uint8_t inner[32];
    memset(k0, 0, sizeof k0);
    if (klen > 64)
        sha256(key, klen, k0);
    else
        memcpy(k0, key, klen);

    Sha256 c;
    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x36u);
    sha256_init(&c);
    sha256_update(&c, pad, 64);
    sha256_update(&c, data, dlen);
    sha256_final(&c, inner);

    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x5cu);
    sha256_init(&c);
    sha256_update(&c, pad, 64);
    sha256_update(&c, inner, 32);
    sha256_final(&c, out);
}

static int hexval(char ch_) {
    if (ch_ >= '0' && ch_ <= '9')
        return ch_ - '0';
    if (ch_ >= 'a' && ch_ <= 'f')
        return ch_ - 'a' + 10;
    return -1;
}

static int digest_equals_hex(const uint8_t d[32], const char *hex) {
    for (int i = 0; i < 32; i++) {
        int hi = hexval(hex[2 * i]);
        int lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0 || d[i] != (uint8_t)(hi * 16 + lo))
            return 0;
    }
    return hex[64] == '\0';
}

static void print_digest(const char *label, const uint8_t d[32]) {
    printf("%-16s ", label);
    for (int i = 0; i < 32; i++)
        printf("%02x", d[i]);
    printf("\n");
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

static uint32_t mix_digest(uint32_t h, const uint8_t d[32]) {
    for (int i = 0; i < 32; i += 4)
        h = mix32(h, load_be32(d + i));
    return h;
}

struct KnownAnswer {
    const char *label;
    const char *text;
    const char *hex;
};

static const struct KnownAnswer kats[] = {
    {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};

int main(void) {
    int ok = 1;
    uint32_t h = 0;
    uint8_t d[32], d2[32];

    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        sha256((const uint8_t *)kats[i].text, strlen(kats[i].text), d);
        int good = digest_equals_hex(d, kats[i].hex);
        print_digest(kats[i].label, d);
        if (!good) {
            printf("FAIL known answer %s\n", kats[i].label);
            ok = 0;
        }
        h = mix_digest(h, d);
    }

    /* One million 'a' characters, fed in uneven chunks. */
    memset(big, 'a', MILLION);
    sha256_chunked(big, MILLION, 0xA5A5A5A5u, d);
    print_digest("million-a", d);
    if (!digest_equals_hex(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")) {
        printf("FAIL known answer million-a\n");
        ok = 0;
    }
    h = mix_digest(h, d);

    /* RFC 4231 test case 2. */
    static const char hkey[] = "Jefe";
    static const char hdata[] = "what do ya want for nothing?";
    hmac_sha256((const uint8_t *)hkey, strlen(hkey), (const uint8_t *)hdata, strlen(hdata), d);
    print_digest("hmac-jefe", d);
    if (!digest_equals_hex(d, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")) {
        printf("FAIL known answer hmac\n");
        ok = 0;
    }
    h = mix_digest(h, d);

    /* Generated messages of many lengths: one-shot vs chunked updates. */
    uint32_t seed = 0x1234567u;
    for (size_t i = 0; i < MSG_MAX; i++)
        msg[i] = (uint8_t)(xorshift32(&seed) >> 11);
    int mismatches = 0;
    uint32_t lh = 0;
    for (int li = 0; li < NUM_LENGTHS; li++) {
        size_t len = (li < 130) ? (size_t)li : (size_t)(xorshift32(&seed) % MSG_MAX);
        sha256(msg, len, d);
        sha256_chunked(msg, len, (uint32_t)li * 2654435761u + 1u, d2);
        if (memcmp(d, d2, 32) != 0)
            mismatches++;
        lh = mix_digest(lh, d);
    }
    printf("lengths hashed   %d, chunked mismatches %d, hash 0x%08x\n", NUM_LENGTHS, mismatches,
           (unsigned)lh);
    if (mismatches != 0) {
        printf("FAIL chunked update mismatch\n");
        ok = 0;
    }
    h = mix32(h, lh);

    /* Hash chain: d = SHA256(d || counter), HMAC keyed with the chain. */
    memset(d, 0, 32);
    for (uint32_t i = 0; i < 2000; i++) {
        uint8_t buf[36];
        memcpy(buf, d, 32);
        store_be32(buf + 32, i);
        sha256(buf, sizeof buf, d);
    }
    print_digest("chain-2000", d);
    h = mix_digest(h, d);
    hmac_sha256(d, 32, msg, 1000, d2);
    print_digest("hmac-chain", d2);
    h = mix_digest(h, d2);

    /* Long key (> block size) path of HMAC. */
    hmac_sha256(msg, 131, msg + 200, 500, d2);
    print_digest("hmac-longkey", d2);
    h = mix_digest(h, d2);

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
