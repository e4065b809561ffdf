/* sudoku.c - sudoku solving two ways: depth-first backtracking with bitmask
 * candidates and a most-constrained-cell heuristic, and Knuth's Algorithm X
 * with dancing links on the 324-column exact-cover matrix.  Runs embedded
 * puzzles plus puzzles generated here (random full grid, then clues removed
 * while the solution stays unique); solutions are verified and compared.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NGEN 14

static uint32_t rng_state = 0x510E527Fu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static int popcount9(unsigned v) {
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* ------------------------------------------------ bitmask backtracking */

typedef struct {
    uint8_t g[81];
    uint16_t row[9], col[9], box[9]; /* used digits, bit d-1 */
} Board;

static long bt_nodes;
static int randomize; /* try candidates in random order (grid generation) */

static int box_of(int cell) { return (cell / 27) * 3 + (cell % 9) / 3; }

static int board_load(Board *b, const uint8_t *g) {
    memset(b, 0, sizeof *b);
    for (int i = 0; i < 81; i++) {
        if (!g[i])
            continue;
        uint16_t m = (uint16_t)(1u << (g[i] - 1));
        int r = i / 9, c = i % 9, x = box_of(i);
        if ((b->row[r] | b->col[c] | b->box[x]) & m)
            return 0; /* contradictory clues */
        b->g[i] = g[i];
        b->row[r] |= m;
        b->col[c] |= m;
        b->box[x] |= m;
    }
    return 1;
}

/* Counts solutions up to 'limit', keeping the first one in sol. */
static void bt_solve(Board *b, uint8_t *sol, int *count, int limit) {
    bt_nodes++;
    int best = -1, best_n = 10;
    unsigned best_cand = 0;
    for (int i = 0; i < 81 && best_n > 1; i++) {
        if (b->g[i])
            continue;
        unsigned cand = ~(unsigned)(b->row[i / 9] | b->col[i % 9] | b->box[box_of(i)]) & 0x1FFu;
        int n = popcount9(cand);
        if (n < best_n) {
            best = i;
            best_n = n;
            best_cand = cand;
        }
    }
    if (best < 0) { /* no empty cell: solved */
        if (++*count == 1)
            memcpy(sol, b->g, 81);
        return;
    }
    int r = best / 9, c = best % 9, x = box_of(best);
    int digits[9], nd = 0;
    for (int d = 0; d < 9; d++)
        if (best_cand & (1u << d))
            digits[nd++] = d;
    for (int k = nd - 1; randomize && k > 0; k--) {
        int j = (int)(rng_next() % (uint32_t)(k + 1));
        int t = digits[k];
        digits[k] = digits[j];
        digits[j] = t;
    }
    for (int k = 0; k < nd && *count < limit; k++) {
        uint16_t m = (uint16_t)(1u << digits[k]);
        b->g[best] = (uint8_t)(digits[k] + 1);
        b->row[r] |= m;
        b->col[c] |= m;
        b->box[x] |= m;
        bt_solve(b, sol, count, limit);
        b->row[r] &= (uint16_t)~m;
        b->col[c] &= (uint16_t)~m;
        b->box[x] &= (uint16_t)~m;
    }
    b->g[best] = 0;
}

static int count_bt(const uint8_t *g, uint8_t *sol, int limit) {
    Board b;
    int count = 0;
    if (!board_load(&b, g))
        return 0;
    bt_solve(&b, sol, &count, limit);
    return count;
}

/* ----------------------------------------------------- dancing links */

#define NCOL 324
#define MAXNODE (1 + NCOL + 729 * 4)

static int L[MAXNODE], R[MAXNODE], U[MAXNODE], D[MAXNODE], C[MAXNODE], ROW[MAXNODE];
static int S[NCOL + 1];
static int nnode;
static long dlx_updates;
static int dlx_stack[81];

static void dlx_init(void) {
    for (int c = 0; c <= NCOL; c++) { /* node 0 is the root header */
        L[c] = c == 0 ? NCOL : c - 1;
        R[c] = c == NCOL ? 0 : c + 1;
        U[c] = D[c] = c;
        C[c] = c;
        S[c] = 0;
    }
    nnode = NCOL + 1;
}

/* Row for "digit d in cell (r, c)": cell, row-digit, column-digit, box-digit. */
static void dlx_add_row(int r, int c, int d) {
    int cols[4] = {1 + r * 9 + c, 1 + 81 + r * 9 + d, 1 + 162 + c * 9 + d,
                   1 + 243 + ((r / 3) * 3 + c / 3) * 9 + d};
    int first = nnode;
    for (int k = 0; k < 4; k++) {
        int n = nnode++, col = cols[k];
        C[n] = col;
        ROW[n] = (r * 9 + c) * 9 + d;
        U[n] = U[col];
        D[n] = col;
        D[U[col]] = n;
        U[col] = n;
        S[col]++;
        L[n] = k == 0 ? n : n - 1;
        R[n] = first;
        if (k > 0) {
            R[n - 1] = n;
            L[first] = n;
        }
    }
}

static void cover(int c) {
    L[R[c]] = L[c];
    R[L[c]] = R[c];
    for (int i = D[c]; i != c; i = D[i])
        for (int j = R[i]; j != i; j = R[j]) {
            U[D[j]] = U[j];
            D[U[j]] = D[j];
            S[C[j]]--;
            dlx_updates++;
        }
}

static void uncover(int c) {
    for (int i = U[c]; i != c; i = U[i])
        for (int j = L[i]; j != i; j = L[j]) {
            S[C[j]]++;
            U[D[j]] = j;
            D[U[j]] = j;
        }
    L[R[c]] = c;
    R[L[c]] = c;
}

static void dlx_search(int k, uint8_t *sol, int *count, int limit) {
    if (R[0] == 0) {
        if (++*count == 1)
            for (int i = 0; i < k; i++) {
                int rid = ROW[dlx_stack[i]];
                sol[rid / 9] = (uint8_t)(rid % 9 + 1);
            }
        return;
    }
    int c = R[0];
    for (int j = R[c]; j != 0; j = R[j]) /* smallest column first */
        if (S[j] < S[c])
            c = j;
    cover(c);
    for (int r = D[c]; r != c && *count < limit; r = D[r]) {
        dlx_stack[k] = r;
        for (int j = R[r]; j != r; j = R[j])
            cover(C[j]);
        dlx_search(k + 1, sol, count, limit);
        for (int j = L[r]; j != r; j = L[j])
            uncover(C[j]);
    }
    uncover(c);
}

static int count_dlx(const uint8_t *g, uint8_t *sol, int limit) {
    int count = 0;
    dlx_init();
    for (int i = 0; i < 81; i++)
        for (int d = 0; d < 9; d++)
            if (!g[i] || g[i] == d + 1)
                dlx_add_row(i / 9, i % 9, d);
    dlx_search(0, sol, &count, limit);
    return count;
}

/* ----------------------------------------------------------- helpers */

static int valid_solution(const uint8_t *sol, const uint8_t *clues) {
    for (int u = 0; u < 9; u++) {
        unsigned rm = 0, cm = 0, bm = 0;
        for (int k = 0; k < 9; k++) {
            int bc = (u / 3) * 27 + (u % 3) * 3 + (k / 3) * 9 + k % 3;
            rm |= 1u << sol[u * 9 + k];
            cm |= 1u << sol[k * 9 + u];
            bm |= 1u << sol[bc];
        }
        if (rm != 0x3FEu || cm != 0x3FEu || bm != 0x3FEu)
            return 0;
    }
    for (int i = 0; i < 81; i++)
        if (clues[i] && clues[i] != sol[i])
            return 0;
    return 1;
}

static void parse(const char *s, uint8_t *g) {
    for (int i = 0; i < 81; i++)
        g[i] = (uint8_t)(s[i] >= '1' && s[i] <= '9' ? s[i] - '0' : 0);
}

/* Random full grid, then remove clues in random order while unique. */
static void generate(uint8_t *g) {
    uint8_t empty[81] = {0}, sol[81];
    int order[81];
    randomize = 1;
    count_bt(empty, g, 1);
    randomize = 0;
    for (int i = 0; i < 81; i++)
        order[i] = i;
    for (int k = 80; k > 0; k--) {
        int j = (int)(rng_next() % (uint32_t)(k + 1));
        int t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    for (int k = 0; k < 81; k++) {
        int i = order[k];
        uint8_t keep = g[i];
        g[i] = 0;
        if (count_bt(g, sol, 2) != 1)
            g[i] = keep;
    }
}

static const char *const embedded[] = {
    "003020600900305001001806400008102900700000008006708200002609500800203009005010300",
    "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
    "52...6.........7.13...........4..8..6......5...........418.........3..2...87.....",
    "85...24..72......9..4.........1.7..23.5...9...4...........8..7..17..........36.4.",
    "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..",
    "..53.....8......2..7..1.5..4....53...1..7...6..32...8..6.5....9..4....3......97..",
};

int main(void) {
    int nemb = (int)(sizeof embedded / sizeof embedded[0]);
    uint32_t h = 0x811c9dc5u;
    int bad = 0;
    long total_bt = 0, total_dlx = 0;
    uint8_t clues[81], s1[81], s2[81];

    for (int p = 0; p < nemb + NGEN; p++) {
        if (p < nemb) {
            parse(embedded[p], clues);
        } else {
            long before = bt_nodes;
            generate(clues);
            bt_nodes = before; /* count only the final solve below */
        }
        int nclues = 0;
        for (int i = 0; i < 81; i++)
            nclues += clues[i] != 0;
        long n0 = bt_nodes, u0 = dlx_updates;
        memset(s1, 0, sizeof s1);
        memset(s2, 0, sizeof s2);
        int c1 = count_bt(clues, s1, 2);
        int c2 = count_dlx(clues, s2, 2);
        long nodes = bt_nodes - n0, updates = dlx_updates - u0;
        total_bt += nodes;
        total_dlx += updates;
        int ok = c1 == 1 && c2 == 1 && memcmp(s1, s2, 81) == 0 && valid_solution(s1, clues);
        printf("%s %2d: clues=%2d solutions=%d/%d bt_nodes=%6ld dlx_updates=%7ld %s row1=",
               p < nemb ? "embedded " : "generated", p < nemb ? p : p - nemb, nclues, c1, c2,
               nodes, updates, ok ? "ok" : "BAD");
        for (int i = 0; i < 9; i++)
            putchar('0' + s1[i]);
        putchar('\n');
        if (!ok) {
            printf("FAIL puzzle %d\n", p);
            bad = 1;
        }
        for (int i = 0; i < 81; i++)
            h = (h ^ (uint32_t)(s1[i] + 16 * clues[i])) * 0x01000193u;
        h = (h ^ (uint32_t)nodes) * 0x01000193u;
    }
    printf("total: backtracking nodes=%ld, dlx updates=%ld\n", total_bt, total_dlx);
    h ^= (uint32_t)total_dlx;
    printf("checksum: 0x%08x\n", (unsigned)h);
    return bad;
}
