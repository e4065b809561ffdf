/* crc32.c - table-driven CRC-32, bitwise CRC-32 cross-check, Adler-32 and
 * FNV-1a over a pseudo-random buffer.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BUF_SIZE (1024 * 1024)
#define SMALL_SIZE 65536

static uint8_t buf[BUF_SIZE];
static uint32_t crc_table[256];

static uint32_t xorshift32(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* One bit step of reflected CRC-32. */
static uint32_t crc_bit(uint32_t c) {
    return (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
}

static void build_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) /* constant trip count 8 */
            c = crc_bit(c);
        crc_table[n] = c;
    }
}

static uint32_t crc_update_byte(uint32_t crc, uint8_t b) {
    return crc_table[(crc ^ b) & 0xFFu] ^ (crc >> 8);
}

static uint32_t crc32_table(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        crc = crc_update_byte(crc, p[i]);
    return crc ^ 0xFFFFFFFFu;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc_bit(crc);
    }
    return crc ^ 0xFFFFFFFFu;
}

static uint32_t adler32(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

/* Sum of 16-byte blocks, constant inner trip count 16. */
static uint64_t block_sums(const uint8_t *p, size_t n) {
    uint64_t total = 0;
    for (size_t i = 0; i + 16 <= n; i += 16) {
        uint32_t s = 0;
        for (int k = 0; k < 16; k++)
            s += (uint32_t)p[i + (size_t)k] * (uint32_t)(k + 1);
        total += s;
    }
    return total;
}

int main(void) {
    uint32_t seed = 0xC0FFEEu;
    for (size_t i = 0; i < BUF_SIZE; i++)
        buf[i] = (uint8_t)(xorshift32(&seed) >> 24);

    build_table();

    static const char known[] = "123456789";
    uint32_t kc = crc32_table((const uint8_t *)known, strlen(known));
    printf("crc32(\"123456789\") = 0x%08x (%s)\n", (unsigned)kc,
           kc == 0xCBF43926u ? "ok" : "BAD");

    uint32_t c1 = crc32_table(buf, BUF_SIZE);
    uint32_t c2 = crc32_bitwise(buf, SMALL_SIZE);
    uint32_t c3 = crc32_table(buf, SMALL_SIZE);
    uint32_t a1 = adler32(buf, BUF_SIZE);
    uint32_t f1 = fnv1a(buf, BUF_SIZE);
    uint64_t bs = block_sums(buf, BUF_SIZE);

    printf("crc32 table   = 0x%08x\n", (unsigned)c1);
    printf("crc32 small   = 0x%08x / 0x%08x (%s)\n", (unsigned)c2, (unsigned)c3,
           c2 == c3 ? "match" : "MISMATCH");
    printf("adler32       = 0x%08x\n", (unsigned)a1);
    printf("fnv1a         = 0x%08x\n", (unsigned)f1);
    printf("block sums    = %llu\n", (unsigned long long)bs);

    /* Rolling CRCs over variable-length prefixes (runtime trip counts). */
    uint32_t h = 0;
    for (size_t len = 1; len < 2048; len = len * 3 + 1)
        h = mix32(h, crc32_table(buf + len, len));

    h = mix32(h, kc);
    h = mix32(h, c1);
    h = mix32(h, c2);
    h = mix32(h, a1);
    h = mix32(h, f1);
    h = mix32(h, (uint32_t)bs);
    h = mix32(h, (uint32_t)(bs >> 32));
    printf("checksum: 0x%08x\n", (unsigned)h);
    return (kc == 0xCBF43926u && c2 == c3) ? 0 : 1;
}
