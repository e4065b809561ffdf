/* matmul_float.c - single-precision matrix multiply, 4x4 block kernels and
 * order-sensitive float reductions (dot product, sum of products, running mean).
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Keep results independent of -march (no a*b+c -> fma contraction). */
#pragma STDC FP_CONTRACT OFF

#define N 128
#define REPS 5

static float A[N][N];
static float B[N][N];
static float C[N][N];

static uint32_t rng_state = 0x12345678u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* Value in [-1, 1) with a non-trivial mantissa so summation order matters. */
static float rng_float(void) {
    return (float)(rng_next() & 0xFFFFFFu) / 8388608.0f - 1.0f;
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x01000193u;
    return h;
}

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float fmadd(float acc, float a, float b) {
    float p = a * b;
    return acc + p;
}

static void fill_matrix(float m[N][N]) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i][j] = rng_float();
}

static void matmul(float c[N][N], float a[N][N], float b[N][N], int n) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            c[i][j] = 0.0f;
        for (int k = 0; k < n; k++) {
            float aik = a[i][k];
            for (int j = 0; j < n; j++)
                c[i][j] += aik * b[k][j];
        }
    }
}

/* Fixed 4x4 kernel: all loops have constant trip count 4. */
static void mat4_mul(float out[4][4], const float x[4][4], const float y[4][4]) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            float s = 0.0f;
            for (int k = 0; k < 4; k++)
                s = fmadd(s, x[i][k], y[k][j]);
            out[i][j] = s;
        }
}

static float dot(const float *x, const float *y, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

static float sum_all(float m[N][N], int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            s += m[i][j];
    return s;
}

static float running_mean(float m[N][N], int n) {
    float mean = 0.0f;
    int count = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            count++;
            mean += (m[i][j] - mean) / (float)count;
        }
    return mean;
}

static void scale_add(float m[N][N], float s, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            m[i][j] = m[i][j] * s + 0.001f * (float)(i - j);
}

int main(void) {
    fill_matrix(A);
    fill_matrix(B);

    uint32_t h = 0x811c9dc5u;
    float total = 0.0f;
    for (int r = 0; r < REPS; r++) {
        matmul(C, A, B, N);
        float s = sum_all(C, N);
        float d = dot(&C[0][0], &A[0][0], N * N);
        float m = running_mean(C, N);
        total += s;
        h = mix32(h, float_bits(s));
        h = mix32(h, float_bits(d));
        h = mix32(h, float_bits(m));
        printf("rep %d: sum=%.9g dot=%.9g mean=%.9g\n", r, (double)s, (double)d, (double)m);
        scale_add(A, 0.5f, N);
    }

    float x[4][4], y[4][4], z[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            x[i][j] = C[i][j];
            y[i][j] = B[j][i];
        }
    float acc4 = 0.0f;
    for (int t = 0; t < 16; t++) {
        mat4_mul(z, x, y);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                x[i][j] = z[i][j] * 0.125f;
                acc4 += z[i][j];
            }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            h = mix32(h, float_bits(x[i][j]));
    h = mix32(h, float_bits(acc4));
    h = mix32(h, float_bits(total));

    printf("total=%.9g acc4=%.9g\n", (double)total, (double)acc4);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return 0;
}
