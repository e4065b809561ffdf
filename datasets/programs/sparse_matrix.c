/* sparse_matrix.c - compressed sparse row (CSR) matrices built from shuffled
 * triplets (merge sort + duplicate merging, cross-checked against a
 * counting-sort build), transpose, sparse matrix-vector products, and the
 * conjugate gradient method (plain and Jacobi-preconditioned) on a generated
 * symmetric positive definite system with a known integer solution.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep results independent of -march (no a*b+c -> fma contraction); GCC
 * does not know the pragma (use -ffp-contract=off there). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define GRID_W 100
#define GRID_H 90
#define N (GRID_W * GRID_H)
#define EXTRA_EDGES 7000
#define MAX_IT 1000

typedef struct {
    int r, c;
    double v;
} Trip;

typedef struct {
    int n, nnz;
    int *rowptr, *col;
    double *val;
} Csr;

static uint32_t rng_state = 0x6A09E667u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x01000193u;
    return h ^ (h >> 13);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    return p;
}

/* ------------------------------------------------------------ triplets */

static Trip *trips;
static int ntrips, trip_cap;

static void add_trip(int r, int c, double v) {
    if (ntrips == trip_cap) {
        trip_cap = trip_cap ? trip_cap * 2 : 1024;
        Trip *t = realloc(trips, (size_t)trip_cap * sizeof *t);
        if (!t) {
            printf("FAIL out of memory\n");
            exit(1);
        }
        trips = t;
    }
    trips[ntrips].r = r;
    trips[ntrips].c = c;
    trips[ntrips].v = v;
    ntrips++;
}

/* Weighted graph Laplacian plus a positive diagonal shift: symmetric and
 * strictly diagonally dominant, hence positive definite.  All values are
 * multiples of 1/64, so sums are exact in any order. */
static void add_edge(int i, int j, double w) {
    add_trip(i, i, w);
    add_trip(j, j, w);
    add_trip(i, j, -w);
    add_trip(j, i, -w);
}

static void generate(void) {
    for (int y = 0; y < GRID_H; y++)
        for (int x = 0; x < GRID_W; x++) {
            int i = y * GRID_W + x;
            if (x + 1 < GRID_W)
                add_edge(i, i + 1, (double)(1 + rng_next() % 8) / 8.0);
            if (y + 1 < GRID_H)
                add_edge(i, i + GRID_W, (double)(1 + rng_next() % 8) / 8.0);
            add_trip(i, i, (double)(1 + rng_next() % 4) / 64.0);
        }
    for (int e = 0; e < EXTRA_EDGES; e++) {
        int i = (int)(rng_next() % N);
        int j = (i + 1 + (int)(rng_next() % 400)) % N; /* short-range, may repeat */
        add_edge(i, j, (double)(1 + rng_next() % 4) / 8.0);
    }
    for (int k = ntrips - 1; k > 0; k--) { /* Fisher-Yates shuffle */
        int j = (int)(rng_next() % (uint32_t)(k + 1));
        Trip t = trips[k];
        trips[k] = trips[j];
        trips[j] = t;
    }
}

static int trip_less(const Trip *a, const Trip *b) {
    return a->r < b->r || (a->r == b->r && a->c < b->c);
}

/* Bottom-up merge sort (stable). */
static void merge_sort(Trip *a, int n) {
    Trip *tmp = xmalloc((size_t)n * sizeof *tmp);
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = trip_less(&a[j], &a[i]) ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
    free(tmp);
}

/* ----------------------------------------------------------------- CSR */

static void csr_alloc(Csr *m, int n, int nnz) {
    m->n = n;
    m->nnz = nnz;
    m->rowptr = xmalloc((size_t)(n + 1) * sizeof *m->rowptr);
    m->col = xmalloc((size_t)nnz * sizeof *m->col);
    m->val = xmalloc((size_t)nnz * sizeof *m->val);
}

static void csr_free(Csr *m) {
    free(m->rowptr);
    free(m->col);
    free(m->val);
}

/* Build from sorted triplets, summing duplicates. */
static void csr_from_sorted(Csr *m, const Trip *t, int nt, int n) {
    int uniq = 0;
    for (int k = 0; k < nt; k++)
        if (k == 0 || t[k].r != t[k - 1].r || t[k].c != t[k - 1].c)
            uniq++;
    csr_alloc(m, n, uniq);
    int pos = -1, row = 0;
    m->rowptr[0] = 0;
    for (int k = 0; k < nt; k++) {
        if (k > 0 && t[k].r == t[k - 1].r && t[k].c == t[k - 1].c) {
            m->val[pos] += t[k].v;
            continue;
        }
        pos++;
        while (row < t[k].r)
            m->rowptr[++row] = pos;
        m->col[pos] = t[k].c;
        m->val[pos] = t[k].v;
    }
    while (row < n)
        m->rowptr[++row] = pos + 1;
}

/* Build by counting sort on rows, insertion sort on columns within a row. */
static void csr_from_counting(Csr *m, const Trip *t, int nt, int n) {
    int *start = xmalloc((size_t)(n + 1) * sizeof *start);
    int *fill = xmalloc((size_t)n * sizeof *fill);
    int *cols = xmalloc((size_t)nt * sizeof *cols);
    double *vals = xmalloc((size_t)nt * sizeof *vals);
    memset(start, 0, (size_t)(n + 1) * sizeof *start);
    for (int k = 0; k < nt; k++)
        start[t[k].r + 1]++;
    for (int i = 0; i < n; i++)
        start[i + 1] += start[i];
    memcpy(fill, start, (size_t)n * sizeof *fill);
    for (int k = 0; k < nt; k++) {
        int p = fill[t[k].r]++;
        cols[p] = t[k].c;
        vals[p] = t[k].v;
    }
    int total = 0;
    for (int i = 0; i < n; i++) { /* sort each row and merge in place */
        int lo = start[i], hi = start[i + 1], out = lo;
        for (int a = lo + 1; a < hi; a++) {
            int c = cols[a], b = a - 1;
            double v = vals[a];
            while (b >= lo && cols[b] > c) {
                cols[b + 1] = cols[b];
                vals[b + 1] = vals[b];
                b--;
            }
            cols[b + 1] = c;
            vals[b + 1] = v;
        }
        for (int a = lo; a < hi; a++) {
            if (out > lo && cols[out - 1] == cols[a]) {
                vals[out - 1] += vals[a];
            } else {
                cols[out] = cols[a];
                vals[out] = vals[a];
                out++;
            }
        }
        fill[i] = out - lo;
        total += out - lo;
    }
    csr_alloc(m, n, total);
    m->rowptr[0] = 0;
    for (int i = 0; i < n; i++) {
        m->rowptr[i + 1] = m->rowptr[i] + fill[i];
        memcpy(m->col + m->rowptr[i], cols + start[i], (size_t)fill[i] * sizeof *cols);
        memcpy(m->val + m->rowptr[i], vals + start[i], (size_t)fill[i] * sizeof *vals);
    }
    free(start);
    free(fill);
    free(cols);
    free(vals);
}

static int csr_equal(const Csr *a, const Csr *b) {
    if (a->n != b->n || a->nnz != b->nnz)
        return 0;
    if (memcmp(a->rowptr, b->rowptr, (size_t)(a->n + 1) * sizeof *a->rowptr) != 0)
        return 0;
    for (int k = 0; k < a->nnz; k++)
        if (a->col[k] != b->col[k] || a->val[k] != b->val[k])
            return 0;
    return 1;
}

static void csr_transpose(Csr *t, const Csr *a) {
    csr_alloc(t, a->n, a->nnz);
    memset(t->rowptr, 0, (size_t)(a->n + 1) * sizeof *t->rowptr);
    for (int k = 0; k < a->nnz; k++)
        t->rowptr[a->col[k] + 1]++;
    for (int i = 0; i < a->n; i++)
        t->rowptr[i + 1] += t->rowptr[i];
    int *next = xmalloc((size_t)a->n * sizeof *next);
    memcpy(next, t->rowptr, (size_t)a->n * sizeof *next);
    for (int i = 0; i < a->n; i++)
        for (int k = a->rowptr[i]; k < a->rowptr[i + 1]; k++) {
            int p = next[a->col[k]]++;
            t->col[p] = i;
            t->val[p] = a->val[k];
        }
    free(next);
}

static void spmv(const Csr *a, const double *x, double *y) {
    for (int i = 0; i < a->n; i++) {
        double s = 0.0;
        for (int k = a->rowptr[i]; k < a->rowptr[i + 1]; k++)
            s += a->val[k] * x[a->col[k]];
        y[i] = s;
    }
}

/* ------------------------------------------------- conjugate gradient */

static double dot(const double *a, const double *b, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Solves A x = b from x = 0; Jacobi preconditioning when 'jacobi' is set.
 * Returns the iteration count; hist receives ||r|| every 10 iterations. */
static int cg(const Csr *a, const double *b, double *x, int jacobi, double tol, double *hist,
              int *nhist) {
    int n = a->n;
    double *r = xmalloc((size_t)n * sizeof *r), *z = xmalloc((size_t)n * sizeof *z);
    double *p = xmalloc((size_t)n * sizeof *p), *q = xmalloc((size_t)n * sizeof *q);
    double *dinv = xmalloc((size_t)n * sizeof *dinv);
    for (int i = 0; i < n; i++) {
        dinv[i] = 1.0;
        for (int k = a->rowptr[i]; jacobi && k < a->rowptr[i + 1]; k++)
            if (a->col[k] == i)
                dinv[i] = 1.0 / a->val[k];
        x[i] = 0.0;
        r[i] = b[i];
        z[i] = dinv[i] * r[i];
        p[i] = z[i];
    }
    double rz = dot(r, z, n), bnorm = sqrt(dot(b, b, n));
    int it = 0;
    *nhist = 0;
    while (it < MAX_IT) {
        double rnorm = sqrt(dot(r, r, n));
        if (it % 10 == 0)
            hist[(*nhist)++] = rnorm;
        if (rnorm <= tol * bnorm)
            break;
        spmv(a, p, q);
        double alpha = rz / dot(p, q, n);
        for (int i = 0; i < n; i++) {
            x[i] += alpha * p[i];
            r[i] -= alpha * q[i];
            z[i] = dinv[i] * r[i];
        }
        double rz_new = dot(r, z, n);
        double beta = rz_new / rz;
        rz = rz_new;
        for (int i = 0; i < n; i++)
            p[i] = z[i] + beta * p[i];
        it++;
    }
    free(r);
    free(z);
    free(p);
    free(q);
    free(dinv);
    return it;
}

int main(void) {
    int ok = 1;
    uint32_t h = 0x811c9dc5u;

    generate();
    Trip *sorted = xmalloc((size_t)ntrips * sizeof *sorted);
    memcpy(sorted, trips, (size_t)ntrips * sizeof *sorted);
    merge_sort(sorted, ntrips);
    for (int k = 1; k < ntrips; k++)
        if (trip_less(&sorted[k], &sorted[k - 1]))
            ok = 0;

    Csr a, b, t;
    csr_from_sorted(&a, sorted, ntrips, N);
    csr_from_counting(&b, trips, ntrips, N);
    csr_transpose(&t, &a);
    int same = csr_equal(&a, &b), sym = csr_equal(&a, &t);
    printf("n=%d triplets=%d nnz=%d builds agree: %s, symmetric: %s\n", N, ntrips, a.nnz,
           same ? "yes" : "no", sym ? "yes" : "no");
    if (!same || !sym)
        ok = 0;

    /* Structure statistics: row lengths, bandwidth, Gershgorin interval. */
    int rowhist[16] = {0}, band = 0;
    double gmin = 1e300, gmax = -1e300, trace = 0.0;
    for (int i = 0; i < N; i++) {
        int len = a.rowptr[i + 1] - a.rowptr[i];
        rowhist[len < 15 ? len : 15]++;
        double diag = 0.0, off = 0.0;
        for (int k = a.rowptr[i]; k < a.rowptr[i + 1]; k++) {
            int d = a.col[k] > i ? a.col[k] - i : i - a.col[k];
            band = d > band ? d : band;
            if (a.col[k] == i)
                diag = a.val[k];
            else
                off += fabs(a.val[k]);
            h = mix32(h, (uint32_t)a.col[k]);
            h = mix32(h, (uint32_t)(int32_t)(a.val[k] * 64.0));
        }
        trace += diag;
        gmin = diag - off < gmin ? diag - off : gmin;
        gmax = diag + off > gmax ? diag + off : gmax;
    }
    printf("row lengths:");
    for (int i = 0; i < 16; i++)
        if (rowhist[i])
            printf(" %d:%d", i, rowhist[i]);
    printf("\nbandwidth=%d trace=%.3f gershgorin=[%.3f, %.3f]\n", band, trace, gmin, gmax);
    if (!(gmin > 0.0))
        ok = 0;

    /* SpMV with an integer vector: exact, compare with the raw triplets. */
    double *x = xmalloc(N * sizeof *x), *y = xmalloc(N * sizeof *y);
    double *yc = xmalloc(N * sizeof *yc), *rhs = xmalloc(N * sizeof *rhs);
    for (int i = 0; i < N; i++) {
        x[i] = (double)(i % 17) - 8.0;
        yc[i] = 0.0;
    }
    for (int k = 0; k < ntrips; k++)
        yc[trips[k].r] += trips[k].v * x[trips[k].c];
    spmv(&a, x, y);
    int spmv_ok = memcmp(y, yc, N * sizeof *y) == 0;
    spmv(&t, x, yc);
    spmv_ok = spmv_ok && memcmp(y, yc, N * sizeof *y) == 0;
    int64_t ysum = 0;
    for (int i = 0; i < N; i++)
        ysum += (int64_t)llround(y[i] * 64.0);
    printf("spmv exact: %s, sum(64*Ax)=%lld\n", spmv_ok ? "yes" : "no", (long long)ysum);
    if (!spmv_ok)
        ok = 0;
    memcpy(rhs, y, N * sizeof *y);

    /* Conjugate gradient, plain and Jacobi-preconditioned. */
    double hist[MAX_IT / 10 + 2];
    int nhist;
    for (int pre = 0; pre < 2; pre++) {
        int it = cg(&a, rhs, y, pre, 1e-10, hist, &nhist);
        double maxerr = 0.0;
        int64_t xsum = 0;
        for (int i = 0; i < N; i++) {
            double e = fabs(y[i] - x[i]);
            maxerr = e > maxerr ? e : maxerr;
            long long q = llround(y[i] * 1000.0);
            xsum += q;
            h = mix32(h, (uint32_t)q);
        }
        printf("%s CG: iterations=%d max error %s 1e-6, sum(1000*x)=%lld\n",
               pre ? "jacobi" : "plain ", it, maxerr < 1e-6 ? "<" : ">=", (long long)xsum);
        printf("  residual norms:");
        for (int k = 0; k < nhist && k < 8; k++)
            printf(" %.1e", hist[k]);
        printf("\n");
        if (it >= MAX_IT || !(maxerr < 1e-6))
            ok = 0;
        h = mix32(h, (uint32_t)it);
    }

    h = mix32(h, (uint32_t)a.nnz);
    h = mix32(h, (uint32_t)band);
    h = mix32(h, (uint32_t)ysum);
    csr_free(&a);
    csr_free(&b);
    csr_free(&t);
    free(trips);
    free(sorted);
    free(x);
    free(y);
    free(yc);
    free(rhs);
    if (!ok)
        printf("FAIL self-check\n");
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
