/* sort_search.c - recursive quicksort with insertion-sort cutoff, plain
 * insertion sort, sortedness check and binary search over uint32 arrays.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 150000
#define SMALL_N 1500
#define CUTOFF 16

static uint32_t data[N];
static uint32_t copy[SMALL_N];

static uint32_t lcg_state = 2463534242u;

static uint32_t lcg_next(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state ^ (lcg_state >> 16);
}

static void swap_u32(uint32_t *a, uint32_t *b) {
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

static int less_u32(uint32_t a, uint32_t b) {
    return a < b;
}

static void insertion_sort(uint32_t *a, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= lo && less_u32(v, a[j])) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static int median3(uint32_t *a, int lo, int hi) {
    int mid = lo + (hi - lo) / 2;
    if (less_u32(a[mid], a[lo]))
        swap_u32(&a[mid], &a[lo]);
    if (less_u32(a[hi], a[lo]))
        swap_u32(&a[hi], &a[lo]);
    if (less_u32(a[hi], a[mid]))
        swap_u32(&a[hi], &a[mid]);
    return mid;
}

/* Recursive quicksort; returns max recursion depth reached. */
static int quicksort(uint32_t *a, int lo, int hi, int depth) {
    if (hi - lo < CUTOFF) {
        insertion_sort(a, lo, hi);
        return depth;
    }
    int mid = median3(a, lo, hi);
    uint32_t pivot = a[mid];
    int i = lo, j = hi;
    while (i <= j) {
        while (less_u32(a[i], pivot))
            i++;
        while (less_u32(pivot, a[j]))
            j--;
        if (i <= j) {
            swap_u32(&a[i], &a[j]);
            i++;
            j--;
        }
    }
    int d1 = depth, d2 = depth;
    if (lo < j)
        d1 = quicksort(a, lo, j, depth + 1);
    if (i < hi)
        d2 = quicksort(a, i, hi, depth + 1);
    return d1 > d2 ? d1 : d2;
}

static int is_sorted(const uint32_t *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

/* Returns index of first element >= key. */
static int lower_bound(const uint32_t *a, int n, uint32_t key) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (less_u32(a[mid], key))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t hash_step(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x9E3779B1u;
    return h ^ (h >> 15);
}

int main(void) {
    for (int i = 0; i < N; i++)
        data[i] = lcg_next() % 1000000u;
    memcpy(copy, data, sizeof copy);

    int depth = quicksort(data, 0, N - 1, 0);
    int ok1 = is_sorted(data, N);

    insertion_sort(copy, 0, SMALL_N - 1);
    int ok2 = is_sorted(copy, SMALL_N);

    /* Lookups: runtime trip count, call in loop. */
    uint32_t found = 0, hsum = 0;
    for (int q = 0; q < 20000; q++) {
        uint32_t key = lcg_next() % 1000000u;
        int idx = lower_bound(data, N, key);
        if (idx < N && data[idx] == key)
            found++;
        hsum = hash_step(hsum, (uint32_t)idx);
    }

    /* Constant trip count loop: 8 quantiles. */
    uint32_t h = 0;
    for (int k = 0; k < 8; k++)
        h = hash_step(h, data[(N / 8) * k]);
    for (int k = 0; k < SMALL_N; k += 97)
        h = hash_step(h, copy[k]);

    printf("quicksort sorted=%d depth=%d min=%u max=%u\n", ok1, depth,
           (unsigned)data[0], (unsigned)data[N - 1]);
    printf("insertion sorted=%d median=%u\n", ok2, (unsigned)copy[SMALL_N / 2]);
    printf("binary search found=%u\n", (unsigned)found);

    h = hash_step(h, hsum);
    h = hash_step(h, found);
    h = hash_step(h, (uint32_t)depth);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return (ok1 && ok2) ? 0 : 1;
}
