/* stencil_double.c - 2D Jacobi 5-point stencil on a double grid, with
 * order-sensitive double reductions (grid sum, weighted sum, running mean).
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Keep results independent of -march (no a*b+c -> fma contraction). */
#pragma STDC FP_CONTRACT OFF

#define NX 128
#define NY 128
#define STEPS 200

static double grid_a[NY][NX];
static double grid_b[NY][NX];

static uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v;
    h *= 0x100000001b3ull;
    return h ^ (h >> 29);
}

static uint64_t double_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double initial_value(int i, int j) {
    uint32_t x = (uint32_t)(i * 7919 + j * 104729 + 17);
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return (double)(x % 100000u) / 3.0;
}

static double avg5(double c, double n, double s, double e, double w) {
    return 0.2 * (c + n + s + e + w);
}

static void init_grid(double g[NY][NX]) {
    for (int i = 0; i < NY; i++)
        for (int j = 0; j < NX; j++)
            g[i][j] = initial_value(i, j);
}

/* One Jacobi sweep; returns the maximum absolute change. */
static double jacobi_step(double dst[NY][NX], double src[NY][NX]) {
    double maxdiff = 0.0;
    for (int i = 1; i < NY - 1; i++)
        for (int j = 1; j < NX - 1; j++) {
            double v = avg5(src[i][j], src[i - 1][j], src[i + 1][j], src[i][j + 1],
                            src[i][j - 1]);
            double d = fabs(v - src[i][j]);
            if (d > maxdiff)
                maxdiff = d;
            dst[i][j] = v;
        }
    /* copy boundary */
    for (int j = 0; j < NX; j++) {
        dst[0][j] = src[0][j];
        dst[NY - 1][j] = src[NY - 1][j];
    }
    for (int i = 0; i < NY; i++) {
        dst[i][0] = src[i][0];
        dst[i][NX - 1] = src[i][NX - 1];
    }
    return maxdiff;
}

static double grid_sum(double g[NY][NX]) {
    double s = 0.0;
    for (int i = 0; i < NY; i++)
        for (int j = 0; j < NX; j++)
            s += g[i][j];
    return s;
}

static double weighted_sum(double g[NY][NX]) {
    double s = 0.0;
    for (int i = 0; i < NY; i++)
        for (int j = 0; j < NX; j++)
            s += g[i][j] * (1.0 + 1e-3 * (double)(i + 2 * j));
    return s;
}

static double running_mean_row(const double *row, int n) {
    double mean = 0.0;
    for (int k = 0; k < n; k++)
        mean += (row[k] - mean) / (double)(k + 1);
    return mean;
}

/* 8-tap probe with constant trip count. */
static double probe8(double g[NY][NX], int i) {
    static const double w[8] = {0.1, 0.3, 0.7, 1.1, 1.3, 1.7, 1.9, 2.3};
    double s = 0.0;
    for (int k = 0; k < 8; k++)
        s += w[k] * g[i][k * 11 + 3];
    return s;
}

int main(void) {
    init_grid(grid_a);
    memcpy(grid_b, grid_a, sizeof grid_a);

    uint64_t h = 0xcbf29ce484222325ull;
    double (*src)[NX] = grid_a;
    double (*dst)[NX] = grid_b;
    double last_diff = 0.0;
    for (int t = 0; t < STEPS; t++) {
        last_diff = jacobi_step(dst, src);
        double (*tmp)[NX] = src;
        src = dst;
        dst = tmp;
        if (t % 50 == 49) {
            double s = grid_sum(src);
            printf("step %2d: maxdiff=%.9g sum=%.9g\n", t + 1, last_diff, s);
            h = mix64(h, double_bits(s));
        }
    }

    double ws = weighted_sum(src);
    double means = 0.0;
    for (int i = 0; i < NY; i++)
        means += running_mean_row(src[i], NX);
    double p = 0.0;
    for (int i = 0; i < NY; i += 5)
        p += probe8(src, i);

    printf("weighted=%.9g means=%.9g probe=%.9g\n", ws, means, p);
    h = mix64(h, double_bits(ws));
    h = mix64(h, double_bits(means));
    h = mix64(h, double_bits(p));
    h = mix64(h, double_bits(last_diff));
    printf("checksum: 0x%08x\n", (unsigned)(h ^ (h >> 32)));
    return 0;
}
