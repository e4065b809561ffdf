/* fft.c - iterative radix-2 complex FFT in double precision (bit-reversal
 * permutation + butterflies with a precomputed twiddle table), inverse FFT
 * round trip, naive DFT cross-check, Parseval check, spectral peak picking,
 * and exact integer convolution / big-number multiplication via FFT checked
 * against direct O(n*m) convolution.
 * Output uses limited precision; the checksum uses integer-rounded values.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_LOG 14
#define MAX_N (1 << MAX_LOG)
#define DFT_N 256
#define CONV_A 3000
#define CONV_B 2200
#define DIGITS 2000
#define IMG 256
#define KER 5

static const double PI = 3.14159265358979323846;

typedef struct {
    double re, im;
} Cpx;

static Cpx buf[MAX_N], orig[MAX_N], spec[MAX_N], tmp2[MAX_N];
static Cpx twiddle[MAX_N / 2];
static Cpx grid[IMG][IMG], kgrid[IMG][IMG], column[IMG];
static int32_t image[IMG][IMG], circ_direct[IMG][IMG];
static int twiddle_n;
static int32_t seq_a[CONV_A], seq_b[CONV_B];
static int64_t conv_direct[CONV_A + CONV_B], conv_fft[CONV_A + CONV_B];
static uint8_t num_a[DIGITS], num_b[DIGITS], prod_school[2 * DIGITS], prod_fft[2 * DIGITS];

static uint32_t rng_state = 0x5EED1234u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static double rng_unit(void) {
    return (double)(rng_next() >> 8) / 8388608.0 - 1.0;
}

static Cpx c_add(Cpx a, Cpx b) { return (Cpx){a.re + b.re, a.im + b.im}; }
static Cpx c_sub(Cpx a, Cpx b) { return (Cpx){a.re - b.re, a.im - b.im}; }
static Cpx c_mul(Cpx a, Cpx b) {
    double rr = a.re * b.re, ii = a.im * b.im;
    double ri = a.re * b.im, ir = a.im * b.re;
    return (Cpx){rr - ii, ri + ir};
}
static Cpx c_conj(Cpx a) { return (Cpx){a.re, -a.im}; }
static double c_abs2(Cpx a) {
    double x = a.re * a.re, y = a.im * a.im;
    return x + y;
}

static void build_twiddles(int n) {
    twiddle_n = n;
    for (int k = 0; k < n / 2; k++) {
        double ang = -2.0 * PI * (double)k / (double)n;
        twiddle[k] = (Cpx){cos(ang), sin(ang)};
    }
}

static int ilog2(int n) {
    int l = 0;
    while ((1 << l) < n)
        l++;
    return l;
}

static void bit_reverse(Cpx *a, int n) {
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            Cpx t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}

/* In-place FFT; inverse uses conjugated twiddles and scales by 1/n. The
 * twiddle table must have been built for a size that is a multiple of n. */
static void fft(Cpx *a, int n, int inverse) {
    bit_reverse(a, n);
    for (int len = 2; len <= n; len <<= 1) {
        int half = len >> 1, step = twiddle_n / len;
        for (int i = 0; i < n; i += len)
            for (int k = 0; k < half; k++) {
                Cpx w = twiddle[k * step];
                if (inverse)
                    w = c_conj(w);
                Cpx u = a[i + k];
                Cpx v = c_mul(a[i + k + half], w);
                a[i + k] = c_add(u, v);
                a[i + k + half] = c_sub(u, v);
            }
    }
    if (inverse)
        for (int i = 0; i < n; i++) {
            a[i].re /= n;
            a[i].im /= n;
        }
}

/* e^{-2 pi i idx / twiddle_n} for any idx in [0, twiddle_n). */
static Cpx twiddle_full(int idx) {
    int half = twiddle_n / 2;
    if (idx < half)
        return twiddle[idx];
    Cpx w = twiddle[idx - half];
    return (Cpx){-w.re, -w.im};
}

static void naive_dft(const Cpx *in, Cpx *out, int n) {
    int scale = twiddle_n / n;
    for (int k = 0; k < n; k++) {
        Cpx s = {0.0, 0.0};
        for (int t = 0; t < n; t++) {
            int idx = (k * t) % n;
            s = c_add(s, c_mul(in[t], twiddle_full(idx * scale)));
        }
        out[k] = s;
    }
}

static double max_diff(const Cpx *a, const Cpx *b, int n) {
    double m = 0.0;
    for (int i = 0; i < n; i++) {
        double d = fabs(a[i].re - b[i].re) + fabs(a[i].im - b[i].im);
        if (d > m)
            m = d;
    }
    return m;
}

/* Exact convolution of small non-negative integers via one complex FFT:
 * pack a into re, b into im; a*b = Im(FFT^-1(X^2)) / 2. */
static int convolve_fft(const int32_t *a, int na, const int32_t *b, int nb, int64_t *out) {
    int need = na + nb - 1, n = 1;
    while (n < need)
        n <<= 1;
    for (int i = 0; i < n; i++)
        buf[i] = (Cpx){i < na ? (double)a[i] : 0.0, i < nb ? (double)b[i] : 0.0};
    fft(buf, n, 0);
    for (int i = 0; i < n; i++)
        buf[i] = c_mul(buf[i], buf[i]);
    fft(buf, n, 1);
    double worst = 0.0;
    for (int i = 0; i < need; i++) {
        double v = buf[i].im * 0.5;
        double rv = floor(v + 0.5);
        if (fabs(v - rv) > worst)
            worst = fabs(v - rv);
        out[i] = (int64_t)rv;
    }
    return worst < 0.25; /* far from a rounding boundary */
}

static void convolve_direct(const int32_t *a, int na, const int32_t *b, int nb, int64_t *out) {
    for (int i = 0; i < na + nb - 1; i++)
        out[i] = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            out[i + j] += (int64_t)a[i] * b[j];
}

/* Little-endian decimal digits; carry propagation after convolution. */
static int carry_digits(const int64_t *c, int nc, uint8_t *out, int cap) {
    int64_t carry = 0;
    int len = 0;
    for (int i = 0; i < cap; i++) {
        int64_t v = carry + (i < nc ? c[i] : 0);
        out[i] = (uint8_t)(v % 10);
        carry = v / 10;
        if (out[i])
            len = i + 1;
    }
    return carry == 0 ? len : -1;
}

static void multiply_school(const uint8_t *a, const uint8_t *b, int n, uint8_t *out) {
    memset(out, 0, (size_t)(2 * n));
    for (int i = 0; i < n; i++) {
        unsigned carry = 0;
        for (int j = 0; j < n; j++) {
            unsigned cur = out[i + j] + (unsigned)a[i] * b[j] + carry;
            out[i + j] = (uint8_t)(cur % 10u);
            carry = cur / 10u;
        }
        for (int k = i + n; carry; k++) {
            unsigned cur = out[k] + carry;
            out[k] = (uint8_t)(cur % 10u);
            carry = cur / 10u;
        }
    }
}

/* 2-D FFT: rows, then columns through a gather/scatter buffer. */
static void fft2d(Cpx g[IMG][IMG], int inverse) {
    for (int r = 0; r < IMG; r++)
        fft(g[r], IMG, inverse);
    for (int c = 0; c < IMG; c++) {
        for (int r = 0; r < IMG; r++)
            column[r] = g[r][c];
        fft(column, IMG, inverse);
        for (int r = 0; r < IMG; r++)
            g[r][c] = column[r];
    }
}

/* Circular 2-D convolution of the image with a KER x KER kernel centred at
 * the origin, via FFT; returns 1 if every output is near an integer. */
static int circ_conv_fft(int32_t ker[KER][KER]) {
    for (int r = 0; r < IMG; r++)
        for (int c = 0; c < IMG; c++) {
            grid[r][c] = (Cpx){(double)image[r][c], 0.0};
            kgrid[r][c] = (Cpx){0.0, 0.0};
        }
    for (int i = 0; i < KER; i++)
        for (int j = 0; j < KER; j++)
            kgrid[(i - KER / 2 + IMG) % IMG][(j - KER / 2 + IMG) % IMG].re = ker[i][j];
    fft2d(grid, 0);
    fft2d(kgrid, 0);
    for (int r = 0; r < IMG; r++)
        for (int c = 0; c < IMG; c++)
            grid[r][c] = c_mul(grid[r][c], kgrid[r][c]);
    fft2d(grid, 1);
    int good = 1;
    for (int r = 0; r < IMG; r++)
        for (int c = 0; c < IMG; c++) {
            double v = grid[r][c].re;
            if (fabs(v - floor(v + 0.5)) > 0.25 || fabs(grid[r][c].im) > 0.25)
                good = 0;
        }
    return good;
}

static void circ_conv_direct(int32_t ker[KER][KER]) {
    for (int r = 0; r < IMG; r++)
        for (int c = 0; c < IMG; c++) {
            int32_t s = 0;
            for (int i = 0; i < KER; i++) {
                int rr = (r - (i - KER / 2) + IMG) % IMG;
                for (int j = 0; j < KER; j++)
                    s += ker[i][j] * image[rr][(c - (j - KER / 2) + IMG) % IMG];
            }
            circ_direct[r][c] = s;
        }
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    return (h ^ v) * 0x01000193u;
}

int main(void) {
    int ok = 1;
    uint32_t h = 0x811c9dc5u;
    build_twiddles(MAX_N);

    /* 1. Round trip and Parseval at several sizes. */
    for (int lg = 6; lg <= MAX_LOG; lg += 2) {
        int n = 1 << lg;
        double e_time = 0.0, e_freq = 0.0;
        for (int i = 0; i < n; i++) {
            orig[i] = (Cpx){rng_unit(), rng_unit()};
            e_time += c_abs2(orig[i]);
        }
        memcpy(spec, orig, sizeof(Cpx) * (size_t)n);
        fft(spec, n, 0);
        for (int i = 0; i < n; i++)
            e_freq += c_abs2(spec[i]);
        e_freq /= n;
        memcpy(buf, spec, sizeof(Cpx) * (size_t)n);
        fft(buf, n, 1);
        double rt = max_diff(buf, orig, n);
        double parseval = fabs(e_time - e_freq) / e_time;
        int good = rt < 1e-10 && parseval < 1e-12 && ilog2(n) == lg;
        printf("n=%5d round-trip %s  parseval %s  energy %.4f\n", n, rt < 1e-10 ? "ok" : "BAD",
               parseval < 1e-12 ? "ok" : "BAD", e_time);
        if (!good) {
            printf("FAIL fft size %d\n", n);
            ok = 0;
        }
        h = mix32(h, (uint32_t)lround(e_time));
    }

    /* 2. FFT vs naive DFT. */
    for (int i = 0; i < DFT_N; i++)
        orig[i] = (Cpx){rng_unit(), rng_unit()};
    naive_dft(orig, tmp2, DFT_N);
    memcpy(spec, orig, sizeof(Cpx) * DFT_N);
    fft(spec, DFT_N, 0);
    double dd = max_diff(spec, tmp2, DFT_N);
    printf("naive DFT n=%d: %s\n", DFT_N, dd < 1e-9 ? "match" : "MISMATCH");
    if (dd >= 1e-9) {
        printf("FAIL naive dft\n");
        ok = 0;
    }

    /* 3. Spectral peaks: three tones at integer bins plus noise. */
    {
        int n = 4096;
        static const int bins[3] = {123, 777, 1500};
        static const double amps[3] = {3.0, 1.7, 2.4};
        for (int i = 0; i < n; i++) {
            double s = 0.2 * rng_unit();
            for (int k = 0; k < 3; k++)
                s += amps[k] * cos(2.0 * PI * bins[k] * i / n);
            buf[i] = (Cpx){s, 0.0};
        }
        fft(buf, n, 0);
        int found[3] = {-1, -1, -1};
        for (int k = 0; k < 3; k++) {
            double best = -1.0;
            for (int i = 1; i < n / 2; i++) {
                if (i == found[0] || i == found[1])
                    continue;
                double m = c_abs2(buf[i]);
                if (m > best) {
                    best = m;
                    found[k] = i;
                }
            }
            int amp10 = (int)lround(sqrt(best) * 2.0 / n * 10.0);
            printf("peak %d: bin %4d amplitude ~%d.%d\n", k, found[k], amp10 / 10, amp10 % 10);
            h = mix32(h, (uint32_t)found[k]);
            h = mix32(h, (uint32_t)amp10);
        }
        if (found[0] != 123 || found[1] != 1500 || found[2] != 777) {
            printf("FAIL spectral peaks\n");
            ok = 0;
        }
    }

    /* 4. Integer convolution: FFT vs direct. */
    for (int i = 0; i < CONV_A; i++)
        seq_a[i] = (int32_t)(rng_next() % 100u);
    for (int i = 0; i < CONV_B; i++)
        seq_b[i] = (int32_t)(rng_next() % 100u);
    convolve_direct(seq_a, CONV_A, seq_b, CONV_B, conv_direct);
    int conv_ok = convolve_fft(seq_a, CONV_A, seq_b, CONV_B, conv_fft);
    int nc = CONV_A + CONV_B - 1;
    int same = memcmp(conv_direct, conv_fft, sizeof(int64_t) * (size_t)nc) == 0;
    int64_t csum = 0;
    for (int i = 0; i < nc; i++) {
        csum += conv_fft[i] * (i % 7 + 1);
        h = mix32(h, (uint32_t)conv_fft[i]);
    }
    printf("convolution %d x %d: weighted sum %lld, fft %s\n", CONV_A, CONV_B, (long long)csum,
           same && conv_ok ? "exact" : "WRONG");
    if (!same || !conv_ok) {
        printf("FAIL convolution\n");
        ok = 0;
    }

    /* 5. Big-number multiplication: FFT convolution + carries vs schoolbook. */
    static int32_t da[DIGITS], db[DIGITS];
    for (int i = 0; i < DIGITS; i++) {
        num_a[i] = (uint8_t)(rng_next() % 10u);
        num_b[i] = (uint8_t)(rng_next() % 10u);
        da[i] = num_a[i];
        db[i] = num_b[i];
    }
    num_a[DIGITS - 1] = num_b[DIGITS - 1] = 9; /* full length */
    da[DIGITS - 1] = db[DIGITS - 1] = 9;
    multiply_school(num_a, num_b, DIGITS, prod_school);
    int mul_ok = convolve_fft(da, DIGITS, db, DIGITS, conv_fft);
    int plen = carry_digits(conv_fft, 2 * DIGITS - 1, prod_fft, 2 * DIGITS);
    mul_ok = mul_ok && plen > 0 && memcmp(prod_school, prod_fft, 2 * DIGITS) == 0;
    printf("bignum %d x %d digits = %d digits, leading ", DIGITS, DIGITS, plen);
    for (int i = plen - 1; i >= 0 && i >= plen - 20; i--)
        putchar('0' + prod_fft[i]);
    printf("... %s\n", mul_ok ? "match" : "MISMATCH");
    if (!mul_ok) {
        printf("FAIL bignum multiply\n");
        ok = 0;
    }
    for (int i = 0; i < 2 * DIGITS; i++)
        h = mix32(h, prod_fft[i]);

    /* 6. 2-D circular convolution: FFT (256-point twiddles) vs direct. */
    build_twiddles(IMG);
    int32_t ker[KER][KER];
    for (int i = 0; i < KER; i++)
        for (int j = 0; j < KER; j++)
            ker[i][j] = (int32_t)(rng_next() % 10u);
    for (int r = 0; r < IMG; r++)
        for (int c = 0; c < IMG; c++)
            image[r][c] = (int32_t)((r * c + (int)(rng_next() % 64u)) & 255);
    int c2_ok = circ_conv_fft(ker);
    circ_conv_direct(ker);
    int64_t total = 0;
    int mism = 0;
    for (int r = 0; r < IMG; r++)
        for (int c = 0; c < IMG; c++) {
            int32_t v = (int32_t)floor(grid[r][c].re + 0.5);
            if (v != circ_direct[r][c])
                mism++;
            total += v;
            h = mix32(h, (uint32_t)v);
        }
    printf("2-D circular convolution %dx%d * %dx%d: total %lld, mismatches %d %s\n", IMG, IMG, KER,
           KER, (long long)total, mism, c2_ok && mism == 0 ? "ok" : "BAD");
    if (!c2_ok || mism) {
        printf("FAIL 2-D convolution\n");
        ok = 0;
    }

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
