/* dynprog.c - classic dynamic programming kernels over generated data:
 * longest common subsequence with traceback, edit distance (full table vs
 * two-row), 0/1 knapsack (2-D table with item reconstruction vs 1-D rolling
 * array), longest increasing subsequence (O(n log n) patience vs O(n^2)),
 * and matrix-chain ordering (bottom-up vs memoized recursion).
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LCS_N 1500
#define ED_N 1200
#define KS_ITEMS 180
#define KS_CAP 4000
#define LIS_N 3000
#define MC_N 90

static uint32_t rng_state = 0xACE1ACE1u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static int imax(int a, int b) { return a > b ? a : b; }
static int imin3(int a, int b, int c) {
    int m = a < b ? a : b;
    return m < c ? m : c;
}

static uint32_t hash_u32(uint32_t h, uint32_t v) {
    return (h ^ v) * 0x01000193u;
}

/* ---------------------------------- LCS ---------------------------------- */
static uint16_t lcs_tab[LCS_N + 1][LCS_N + 1];
static char seq_a[LCS_N + 1], seq_b[LCS_N + 1], lcs_out[LCS_N + 1];

static void gen_dna(char *s, int n, const char *alphabet, int k) {
    for (int i = 0; i < n; i++)
        s[i] = alphabet[rng_next() % (uint32_t)k];
    s[n] = '\0';
}

static int lcs(const char *a, int n, const char *b, int m, char *out) {
    for (int j = 0; j <= m; j++)
        lcs_tab[0][j] = 0;
    for (int i = 1; i <= n; i++) {
        lcs_tab[i][0] = 0;
        for (int j = 1; j <= m; j++) {
            if (a[i - 1] == b[j - 1])
                lcs_tab[i][j] = (uint16_t)(lcs_tab[i - 1][j - 1] + 1);
            else
                lcs_tab[i][j] = (uint16_t)imax(lcs_tab[i - 1][j], lcs_tab[i][j - 1]);
        }
    }
    int len = lcs_tab[n][m], k = len;
    out[k] = '\0';
    int i = n, j = m;
    while (i > 0 && j > 0) {
        if (a[i - 1] == b[j - 1]) {
            out[--k] = a[i - 1];
            i--;
            j--;
        } else if (lcs_tab[i - 1][j] >= lcs_tab[i][j - 1]) {
            i--;
        } else {
            j--;
        }
    }
    return len;
}

static int is_subsequence(const char *sub, const char *s) {
    while (*sub && *s) {
        if (*sub == *s)
            sub++;
        s++;
    }
    return *sub == '\0';
}

/* ------------------------------ edit distance ------------------------------ */
static int ed_tab[ED_N + 1][ED_N + 1];
static int row_prev[ED_N + 1], row_cur[ED_N + 1];

static int edit_full(const char *a, int n, const char *b, int m) {
    for (int i = 0; i <= n; i++)
        ed_tab[i][0] = i;
    for (int j = 0; j <= m; j++)
        ed_tab[0][j] = j;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int sub = ed_tab[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            ed_tab[i][j] = imin3(sub, ed_tab[i - 1][j] + 1, ed_tab[i][j - 1] + 1);
        }
    return ed_tab[n][m];
}

static int edit_two_rows(const char *a, int n, const char *b, int m) {
    int *prev = row_prev, *cur = row_cur;
    for (int j = 0; j <= m; j++)
        prev[j] = j;
    for (int i = 1; i <= n; i++) {
        cur[0] = i;
        for (int j = 1; j <= m; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = imin3(prev[j - 1] + cost, prev[j] + 1, cur[j - 1] + 1);
        }
        int *t = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

/* Derive b from a by a known number of random edits (an upper bound). */
static int mutate(const char *a, int n, char *b, int edits) {
    memcpy(b, a, (size_t)n);
    int m = n;
    for (int e = 0; e < edits; e++) {
        int pos = (int)(rng_next() % (uint32_t)m);
        switch (rng_next() % 3u) {
        case 0: /* substitution */
            b[pos] = (char)('a' + rng_next() % 4u);
            break;
        case 1: /* deletion */
            if (m > 1) {
                memmove(b + pos, b + pos + 1, (size_t)(m - pos - 1));
                m--;
            }
            break;
        default: /* insertion, bounded by buffer size */
            if (m < ED_N) {
                memmove(b + pos + 1, b + pos, (size_t)(m - pos));
                b[pos] = (char)('a' + rng_next() % 4u);
                m++;
            }
            break;
        }
    }
    b[m] = '\0';
    return m;
}

/* -------------------------------- knapsack -------------------------------- */
static int ks_tab[KS_ITEMS + 1][KS_CAP + 1];
static int ks_row[KS_CAP + 1];
static int weights[KS_ITEMS], values[KS_ITEMS];

static int knapsack_2d(int n, int cap, int *chosen_weight, int *chosen_count) {
    for (int c = 0; c <= cap; c++)
        ks_tab[0][c] = 0;
    for (int i = 1; i <= n; i++)
        for (int c = 0; c <= cap; c++) {
            int best = ks_tab[i - 1][c];
            if (weights[i - 1] <= c)
                best = imax(best, ks_tab[i - 1][c - weights[i - 1]] + values[i - 1]);
            ks_tab[i][c] = best;
        }
    int c = cap, value = 0;
    *chosen_weight = 0;
    *chosen_count = 0;
    for (int i = n; i > 0; i--)
        if (ks_tab[i][c] != ks_tab[i - 1][c]) {
            c -= weights[i - 1];
            value += values[i - 1];
            *chosen_weight += weights[i - 1];
            ++*chosen_count;
        }
    return value == ks_tab[n][cap] ? value : -1;
}

static int knapsack_1d(int n, int cap) {
    memset(ks_row, 0, sizeof(int) * (size_t)(cap + 1));
    for (int i = 0; i < n; i++)
        for (int c = cap; c >= weights[i]; c--)
            ks_row[c] = imax(ks_row[c], ks_row[c - weights[i]] + values[i]);
    return ks_row[cap];
}

/* ----------------------------------- LIS ----------------------------------- */
static int lis_data[LIS_N], lis_len[LIS_N], tails[LIS_N];

static int lis_quadratic(const int *a, int n) {
    int best = 0;
    for (int i = 0; i < n; i++) {
        lis_len[i] = 1;
        for (int j = 0; j < i; j++)
            if (a[j] < a[i] && lis_len[j] + 1 > lis_len[i])
                lis_len[i] = lis_len[j] + 1;
        best = imax(best, lis_len[i]);
    }
    return best;
}

static int lis_patience(const int *a, int n) {
    int len = 0;
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = len; /* first tail >= a[i] */
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (tails[mid] < a[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        tails[lo] = a[i];
        if (lo == len)
            len++;
    }
    return len;
}

/* ------------------------------ matrix chain ------------------------------ */
static uint64_t mc_cost[MC_N][MC_N], mc_memo[MC_N][MC_N];
static int mc_split[MC_N][MC_N];
static uint32_t dims[MC_N + 1];

static uint64_t chain_bottom_up(int n) {
    for (int i = 0; i < n; i++)
        mc_cost[i][i] = 0;
    for (int len = 2; len <= n; len++)
        for (int i = 0; i + len - 1 < n; i++) {
            int j = i + len - 1;
            mc_cost[i][j] = UINT64_MAX;
            for (int k = i; k < j; k++) {
                uint64_t c = mc_cost[i][k] + mc_cost[k + 1][j] +
                             (uint64_t)dims[i] * dims[k + 1] * dims[j + 1];
                if (c < mc_cost[i][j]) {
                    mc_cost[i][j] = c;
                    mc_split[i][j] = k;
                }
            }
        }
    return mc_cost[0][n - 1];
}

static uint64_t chain_memo(int i, int j) {
    if (i == j)
        return 0;
    if (mc_memo[i][j] != UINT64_MAX)
        return mc_memo[i][j];
    uint64_t best = UINT64_MAX;
    for (int k = i; k < j; k++) {
        uint64_t c = chain_memo(i, k) + chain_memo(k + 1, j) +
                     (uint64_t)dims[i] * dims[k + 1] * dims[j + 1];
        if (c < best)
            best = c;
    }
    mc_memo[i][j] = best;
    return best;
}

static int print_parens(int i, int j, char *buf, int pos) {
    if (i == j)
        return pos + sprintf(buf + pos, "M%d", i);
    buf[pos++] = '(';
    pos = print_parens(i, mc_split[i][j], buf, pos);
    pos = print_parens(mc_split[i][j] + 1, j, buf, pos);
    buf[pos++] = ')';
    buf[pos] = '\0';
    return pos;
}

int main(void) {
    int ok = 1;
    uint32_t h = 0x811c9dc5u;

    /* LCS on DNA-like strings. */
    gen_dna(seq_a, LCS_N, "ACGT", 4);
    gen_dna(seq_b, LCS_N - 123, "ACGT", 4);
    int l = lcs(seq_a, LCS_N, seq_b, LCS_N - 123, lcs_out);
    int lcs_ok = (int)strlen(lcs_out) == l && is_subsequence(lcs_out, seq_a) &&
                 is_subsequence(lcs_out, seq_b);
    printf("lcs length %d (%s), prefix %.24s\n", l, lcs_ok ? "valid" : "INVALID", lcs_out);
    if (!lcs_ok) {
        printf("FAIL lcs\n");
        ok = 0;
    }
    h = hash_u32(h, (uint32_t)l);
    for (int i = 0; i < l; i++)
        h = hash_u32(h, (uint8_t)lcs_out[i]);

    /* Edit distance: full table vs two rows, bounded by the edit count. */
    static char ea[ED_N + 1], eb[ED_N + 1];
    for (int t = 0; t < 3; t++) {
        int n = ED_N - 200 * t, edits = 40 + 150 * t;
        gen_dna(ea, n, "abcd", 4);
        int m = mutate(ea, n, eb, edits);
        int d1 = edit_full(ea, n, eb, m), d2 = edit_two_rows(ea, n, eb, m);
        printf("edit distance n=%d m=%d edits<=%d: %d / %d\n", n, m, edits, d1, d2);
        if (d1 != d2 || d1 > edits) {
            printf("FAIL edit distance\n");
            ok = 0;
        }
        h = hash_u32(h, (uint32_t)d1);
    }

    /* 0/1 knapsack. */
    for (int i = 0; i < KS_ITEMS; i++) {
        weights[i] = 1 + (int)(rng_next() % 200u);
        values[i] = weights[i] + (int)(rng_next() % 100u); /* correlated instance */
    }
    for (int t = 0; t < 2; t++) {
        int cap = (t == 0) ? KS_CAP : KS_CAP / 3;
        int cw, cc;
        int v2 = knapsack_2d(KS_ITEMS, cap, &cw, &cc), v1 = knapsack_1d(KS_ITEMS, cap);
        printf("knapsack cap %d: value %d / %d, items %d, weight %d\n", cap, v2, v1, cc, cw);
        if (v1 != v2 || cw > cap) {
            printf("FAIL knapsack\n");
            ok = 0;
        }
        h = hash_u32(h, (uint32_t)v1);
        h = hash_u32(h, (uint32_t)cw);
    }

    /* LIS on a noisy increasing sequence and on a random permutation-ish one. */
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < LIS_N; i++)
            lis_data[i] = t == 0 ? i * 3 + (int)(rng_next() % 400u) : (int)(rng_next() % 100000u);
        int q = lis_quadratic(lis_data, LIS_N), p = lis_patience(lis_data, LIS_N);
        printf("lis case %d: %d / %d\n", t, q, p);
        if (p != q) {
            printf("FAIL lis\n");
            ok = 0;
        }
        h = hash_u32(h, (uint32_t)p);
    }

    /* Matrix chain. */
    for (int i = 0; i <= MC_N; i++)
        dims[i] = 5u + rng_next() % 95u;
    uint64_t cb = chain_bottom_up(MC_N);
    for (int i = 0; i < MC_N; i++)
        for (int j = 0; j < MC_N; j++)
            mc_memo[i][j] = UINT64_MAX;
    uint64_t cm = chain_memo(0, MC_N - 1);
    printf("matrix chain (%d matrices): %llu / %llu\n", MC_N, (unsigned long long)cb,
           (unsigned long long)cm);
    if (cb != cm) {
        printf("FAIL matrix chain\n");
        ok = 0;
    }
    h = hash_u32(h, (uint32_t)cb);
    h = hash_u32(h, (uint32_t)(cb >> 32));
    static char parens[64];
    chain_bottom_up(8);
    print_parens(0, 7, parens, 0);
    printf("order of first 8: %s\n", parens);
    for (const char *p = parens; *p; p++)
        h = hash_u32(h, (uint8_t)*p);

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
