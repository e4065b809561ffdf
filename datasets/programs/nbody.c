/* nbody.c - double-precision n-body simulation (Sun + 4 Jovian planets,
 * symplectic Euler), with energy and momentum reductions.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Keep results independent of -march (no a*b+c -> fma contraction). */
#pragma STDC FP_CONTRACT OFF

#define NBODIES 5
#define STEPS 100000
#define PI 3.141592653589793
#define SOLAR_MASS (4.0 * PI * PI)
#define DAYS_PER_YEAR 365.24

typedef struct {
    double x[3];
    double v[3];
    double mass;
} Body;

static Body bodies[NBODIES] = {
    {{0, 0, 0}, {0, 0, 0}, SOLAR_MASS},
    {{4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01},
     {1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
      -6.90460016972063023e-05 * DAYS_PER_YEAR},
     9.54791938424326609e-04 * SOLAR_MASS},
    {{8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01},
     {-2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
      2.30417297573763929e-05 * DAYS_PER_YEAR},
     2.85885980666130812e-04 * SOLAR_MASS},
    {{1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01},
     {2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
      -2.96589568540237556e-05 * DAYS_PER_YEAR},
     4.36624404335156298e-05 * SOLAR_MASS},
    {{1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01},
     {2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
      -9.51592254519715870e-05 * DAYS_PER_YEAR},
     5.15138902046611451e-05 * SOLAR_MASS},
};

static double sq(double a) {
    return a * a;
}

static double dot3(const double *a, const double *b) {
    double s = 0.0;
    for (int k = 0; k < 3; k++)
        s += a[k] * b[k];
    return s;
}

static double dist2(const Body *a, const Body *b) {
    double s = 0.0;
    for (int k = 0; k < 3; k++)
        s += sq(a->x[k] - b->x[k]);
    return s;
}

static void offset_momentum(Body *b, int n) {
    double p[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            p[k] += b[i].v[k] * b[i].mass;
    for (int k = 0; k < 3; k++)
        b[0].v[k] = -p[k] / SOLAR_MASS;
}

static double energy(const Body *b, int n) {
    double e = 0.0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].mass * dot3(b[i].v, b[i].v);
        for (int j = i + 1; j < n; j++)
            e -= b[i].mass * b[j].mass / sqrt(dist2(&b[i], &b[j]));
    }
    return e;
}

static void advance(Body *b, int n, double dt) {
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            double d[3];
            for (int k = 0; k < 3; k++)
                d[k] = b[i].x[k] - b[j].x[k];
            double d2 = dot3(d, d);
            double mag = dt / (d2 * sqrt(d2));
            for (int k = 0; k < 3; k++) {
                b[i].v[k] -= d[k] * b[j].mass * mag;
                b[j].v[k] += d[k] * b[i].mass * mag;
            }
        }
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            b[i].x[k] += dt * b[i].v[k];
}

static uint32_t mix(uint32_t h, double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    h ^= (uint32_t)u;
    h *= 0x01000193u;
    h ^= (uint32_t)(u >> 32);
    h *= 0x01000193u;
    return h;
}

int main(void) {
    offset_momentum(bodies, NBODIES);
    double e0 = energy(bodies, NBODIES);
    printf("energy before: %.9g\n", e0);

    uint32_t h = 0x811c9dc5u;
    double mean_r = 0.0;
    long samples = 0;
    for (int s = 0; s < STEPS; s++) {
        advance(bodies, NBODIES, 0.01);
        if (s % 500 == 0) {
            /* running mean of Jupiter's distance from the Sun */
            samples++;
            mean_r += (sqrt(dist2(&bodies[0], &bodies[1])) - mean_r) / (double)samples;
        }
    }
    double e1 = energy(bodies, NBODIES);
    printf("energy after:  %.9g\n", e1);
    printf("mean jupiter distance: %.9g\n", mean_r);

    double psum = 0.0;
    for (int i = 0; i < NBODIES; i++)
        for (int k = 0; k < 3; k++) {
            psum += bodies[i].x[k] * bodies[i].mass;
            h = mix(h, bodies[i].x[k]);
            h = mix(h, bodies[i].v[k]);
        }
    printf("mass-weighted position sum: %.9g\n", psum);
    h = mix(h, e0);
    h = mix(h, e1);
    h = mix(h, mean_r);
    h = mix(h, psum);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return 0;
}
