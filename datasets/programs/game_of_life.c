/* game_of_life.c - cellular automata.  Conway's Life on a torus in two
 * implementations: a bitboard (64 cells per word, bit-sliced neighbour
 * counting) and a byte-per-cell reference, cross-checked every generation
 * checkpoint; glider and blinker sanity tests; and 1-D elementary automata
 * (rules 30, 90, 110, 184) as bitwise minterms versus a lookup table.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define W 192 /* multiple of 64 */
#define H 128
#define NW (W / 64)
#define GENS 160
#define RING 2048
#define RSTEPS 256

typedef struct {
    uint64_t row[H][NW];
} Bits;

typedef struct {
    uint8_t c[H][W];
} Bytes;

static Bits bb, bb_next;
static Bytes cb, cb_next;

static uint32_t rng_state = 0x3C6EF372u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

static int popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}

/* ---------------------------------------------------------------- bitboard */

static void bits_set(Bits *b, int x, int y, int v) {
    x = ((x % W) + W) % W;
    y = ((y % H) + H) % H;
    uint64_t m = (uint64_t)1 << (x & 63);
    if (v)
        b->row[y][x >> 6] |= m;
    else
        b->row[y][x >> 6] &= ~m;
}

static int bits_get(const Bits *b, int x, int y) {
    return (int)((b->row[y][x >> 6] >> (x & 63)) & 1u);
}

/* Neighbour masks of word w in row r: cells at x-1 and x+1, with wrap. */
static uint64_t west(const uint64_t *r, int w) {
    return (r[w] << 1) | (r[(w + NW - 1) % NW] >> 63);
}

static uint64_t east(const uint64_t *r, int w) {
    return (r[w] >> 1) | (r[(w + 1) % NW] << 63);
}

/* Adds mask x to the bit-sliced counter (s0 + 2*s1, s2 = "at least 4"). */
static void add_mask(uint64_t *s0, uint64_t *s1, uint64_t *s2, uint64_t x) {
    uint64_t c0 = *s0 & x;
    *s0 ^= x;
    uint64_t c1 = *s1 & c0;
    *s1 ^= c0;
    *s2 |= c1;
}

static void bits_step(const Bits *cur, Bits *next) {
    for (int y = 0; y < H; y++) {
        const uint64_t *up = cur->row[(y + H - 1) % H], *mid = cur->row[y];
        const uint64_t *dn = cur->row[(y + 1) % H];
        for (int w = 0; w < NW; w++) {
            uint64_t s0 = 0, s1 = 0, s2 = 0;
            add_mask(&s0, &s1, &s2, west(up, w));
            add_mask(&s0, &s1, &s2, up[w]);
            add_mask(&s0, &s1, &s2, east(up, w));
            add_mask(&s0, &s1, &s2, west(mid, w));
            add_mask(&s0, &s1, &s2, east(mid, w));
            add_mask(&s0, &s1, &s2, west(dn, w));
            add_mask(&s0, &s1, &s2, dn[w]);
            add_mask(&s0, &s1, &s2, east(dn, w));
            /* alive next: count == 3, or count == 2 and alive now */
            next->row[y][w] = ~s2 & s1 & (s0 | mid[w]);
        }
    }
}

static int bits_pop(const Bits *b) {
    int p = 0;
    for (int y = 0; y < H; y++)
        for (int w = 0; w < NW; w++)
            p += popcount64(b->row[y][w]);
    return p;
}

/* ----------------------------------------------------- byte-per-cell */

static void bytes_step(const Bytes *cur, Bytes *next) {
    for (int y = 0; y < H; y++) {
        int yu = (y + H - 1) % H, yd = (y + 1) % H;
        for (int x = 0; x < W; x++) {
            int xl = (x + W - 1) % W, xr = (x + 1) % W;
            int n = cur->c[yu][xl] + cur->c[yu][x] + cur->c[yu][xr] + cur->c[y][xl] +
                    cur->c[y][xr] + cur->c[yd][xl] + cur->c[yd][x] + cur->c[yd][xr];
            next->c[y][x] = (uint8_t)(n == 3 || (n == 2 && cur->c[y][x]));
        }
    }
}

static int same_board(const Bits *b, const Bytes *c) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (bits_get(b, x, y) != c->c[y][x])
                return 0;
    return 1;
}

static void to_bytes(const Bits *b, Bytes *c) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            c->c[y][x] = (uint8_t)bits_get(b, x, y);
}

static uint32_t board_hash(const Bits *b) {
    uint32_t h = 0;
    for (int y = 0; y < H; y++)
        for (int w = 0; w < NW; w++) {
            h = mix32(h, (uint32_t)b->row[y][w]);
            h = mix32(h, (uint32_t)(b->row[y][w] >> 32));
        }
    return h;
}

/* Places a pattern given as rows of '.'/'O' at (x0, y0). */
static void place(Bits *b, int x0, int y0, const char *const *rows, int nrows) {
    for (int r = 0; r < nrows; r++)
        for (int k = 0; rows[r][k]; k++)
            bits_set(b, x0 + k, y0 + r, rows[r][k] == 'O');
}

/* Glider and blinker on an empty board; both implementations. */
static int sanity_tests(void) {
    static const char *const glider[] = {".O.", "..O", "OOO"};
    static const char *const blinker[] = {"OOO"};
    int ok = 1;
    Bits ref;
    memset(&bb, 0, sizeof bb);
    place(&bb, W - 2, H - 2, glider, 3); /* straddles both wrap edges */
    memset(&ref, 0, sizeof ref);
    place(&ref, W - 1, H - 1, glider, 3); /* moved by (+1, +1) */
    to_bytes(&bb, &cb);
    for (int g = 0; g < 4; g++) {
        bits_step(&bb, &bb_next);
        bb = bb_next;
        bytes_step(&cb, &cb_next);
        cb = cb_next;
    }
    ok &= memcmp(&bb, &ref, sizeof ref) == 0 && same_board(&bb, &cb) && bits_pop(&bb) == 5;
    memset(&bb, 0, sizeof bb);
    place(&bb, 63, 10, blinker, 1); /* crosses a word boundary */
    ref = bb;
    bits_step(&bb, &bb_next);
    ok &= bits_pop(&bb_next) == 3 && memcmp(&bb_next, &ref, sizeof ref) != 0;
    bits_step(&bb_next, &bb);
    ok &= memcmp(&bb, &ref, sizeof ref) == 0;
    return ok;
}

/* -------------------------------------------------- elementary automata */

static void rule_bits(const uint64_t *cur, uint64_t *next, int rule) {
    const int nw = RING / 64;
    for (int w = 0; w < nw; w++) {
        uint64_t c = cur[w];
        uint64_t l = (c << 1) | (cur[(w + nw - 1) % nw] >> 63); /* cell i-1 */
        uint64_t r = (c >> 1) | (cur[(w + 1) % nw] << 63);      /* cell i+1 */
        uint64_t out = 0;
        for (int pat = 0; pat < 8; pat++) {
            if (!((rule >> pat) & 1))
                continue;
            uint64_t m = ((pat & 4) ? l : ~l) & ((pat & 2) ? c : ~c) & ((pat & 1) ? r : ~r);
            out |= m;
        }
        next[w] = out;
    }
}

static void rule_bytes(const uint8_t *cur, uint8_t *next, int rule) {
    for (int i = 0; i < RING; i++) {
        int pat = cur[(i + RING - 1) % RING] << 2 | cur[i] << 1 | cur[(i + 1) % RING];
        next[i] = (uint8_t)((rule >> pat) & 1);
    }
}

static uint32_t run_rule(int rule, int *ok) {
    uint64_t a[RING / 64], b[RING / 64];
    uint8_t ca[RING], cbuf[RING];
    memset(a, 0, sizeof a);
    for (int i = 0; i < RING; i++) { /* single seed cell plus a sparse noise band */
        int v = i == RING / 2 || (i < RING / 8 && (rng_next() & 7u) == 0);
        ca[i] = (uint8_t)v;
        a[i / 64] |= (uint64_t)v << (i % 64);
    }
    uint32_t h = (uint32_t)rule;
    int pop = 0;
    for (int s = 0; s < RSTEPS; s++) {
        rule_bits(a, b, rule);
        memcpy(a, b, sizeof a);
        rule_bytes(ca, cbuf, rule);
        memcpy(ca, cbuf, sizeof ca);
        pop = 0;
        for (int w = 0; w < RING / 64; w++) {
            pop += popcount64(a[w]);
            h = mix32(h, (uint32_t)(a[w] ^ (a[w] >> 32)));
        }
    }
    for (int i = 0; i < RING; i++)
        if ((int)((a[i / 64] >> (i % 64)) & 1u) != ca[i])
            *ok = 0;
    printf("rule %3d: population after %d steps = %4d, cells 1016..1079: ", rule, RSTEPS, pop);
    for (int i = RING / 2 - 8; i < RING / 2 + 56; i++)
        putchar(ca[i] ? '#' : '.');
    putchar('\n');
    return mix32(h, (uint32_t)pop);
}

int main(void) {
    static const char *const rpent[] = {".OO", "OO.", ".O."};
    uint32_t h = 0;
    int ok = sanity_tests();
    printf("glider/blinker tests: %s\n", ok ? "ok" : "wrong");

    /* Random soup (35%) with an R-pentomino in an empty corner. */
    memset(&bb, 0, sizeof bb);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (y < H - 40 || x < W - 40)
                bits_set(&bb, x, y, rng_next() % 100u < 35u);
    place(&bb, W - 20, H - 20, rpent, 3);
    to_bytes(&bb, &cb);
    printf("generation   0: population %d\n", bits_pop(&bb));
    int mismatches = 0;
    for (int g = 1; g <= GENS; g++) {
        bits_step(&bb, &bb_next);
        bb = bb_next;
        bytes_step(&cb, &cb_next);
        cb = cb_next;
        if (g % 10 == 0) {
            int same = same_board(&bb, &cb);
            mismatches += !same;
            int pop = bits_pop(&bb);
            if (g % 20 == 0)
                printf("generation %3d: population %d%s\n", g, pop, same ? "" : " MISMATCH");
            h = mix32(h, (uint32_t)pop);
        }
    }
    h = mix32(h, board_hash(&bb));
    printf("final board hash: 0x%08x, checkpoint mismatches: %d\n", (unsigned)board_hash(&bb),
           mismatches);
    if (mismatches)
        ok = 0;

    static const int rules[] = {30, 90, 110, 184};
    for (int i = 0; i < 4; i++)
        h = mix32(h, run_rule(rules[i], &ok));

    if (!ok)
        printf("FAIL self-check\n");
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
