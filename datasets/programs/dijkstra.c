/* dijkstra.c - single-source shortest paths on generated sparse directed
 * graphs stored in CSR form: Dijkstra with an indexed binary heap
 * (decrease-key), Dijkstra with a lazy-deletion heap, and Bellman-Ford on
 * smaller graphs as a cross-check; shortest-path trees are validated by
 * walking predecessor chains.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_N 24000
#define MAX_M 130000
#define INF UINT64_MAX

typedef struct {
    int n, m;
    int start[MAX_N + 1]; /* CSR row offsets */
    int to[MAX_M];
    uint32_t w[MAX_M];
} Graph;

typedef struct {
    int src, dst;
    uint32_t w;
} EdgeIn;

typedef struct {
    int heap[MAX_N];
    int pos[MAX_N]; /* -1 when not in heap */
    int size;
    const uint64_t *key;
} IndexedHeap;

typedef struct {
    uint64_t dist;
    int node;
} LazyItem;

static Graph g;
static EdgeIn edges_in[MAX_M];
static uint64_t dist_a[MAX_N], dist_b[MAX_N], dist_c[MAX_N];
static int pred[MAX_N];
static IndexedHeap iheap;
static LazyItem lheap[MAX_M + MAX_N];

static uint32_t rng_state = 0x2468ACE1u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t rng_range(uint32_t n) {
    return rng_next() % n;
}

/* Edges: a heavy ring for reachability plus random short-range and
 * long-range edges with light weights. Built into CSR by counting sort. */
static void make_graph(int n, int extra) {
    int m = 0;
    for (int i = 0; i < n; i++)
        edges_in[m++] = (EdgeIn){i, (i + 1) % n, 5000u + rng_range(1000)};
    for (int k = 0; k < extra; k++) {
        int u = (int)rng_range((uint32_t)n);
        int v;
        if (k & 1)
            v = (u + 1 + (int)rng_range(64)) % n;
        else
            v = (int)rng_range((uint32_t)n);
        edges_in[m++] = (EdgeIn){u, v, 1u + rng_range(999)};
    }
    g.n = n;
    g.m = m;
    memset(g.start, 0, sizeof(int) * (size_t)(n + 1));
    for (int e = 0; e < m; e++)
        g.start[edges_in[e].src + 1]++;
    for (int i = 0; i < n; i++)
        g.start[i + 1] += g.start[i];
    static int fill[MAX_N];
    memcpy(fill, g.start, sizeof(int) * (size_t)n);
    for (int e = 0; e < m; e++) {
        int slot = fill[edges_in[e].src]++;
        g.to[slot] = edges_in[e].dst;
        g.w[slot] = edges_in[e].w;
    }
}

/* ---------------- indexed heap with decrease-key ---------------- */
static int ih_less(const IndexedHeap *h, int a, int b) {
    uint64_t ka = h->key[h->heap[a]], kb = h->key[h->heap[b]];
    return ka < kb || (ka == kb && h->heap[a] < h->heap[b]);
}

static void ih_swap(IndexedHeap *h, int a, int b) {
    int t = h->heap[a];
    h->heap[a] = h->heap[b];
    h->heap[b] = t;
    h->pos[h->heap[a]] = a;
    h->pos[h->heap[b]] = b;
}

static void ih_up(IndexedHeap *h, int i) {
    while (i > 0 && ih_less(h, i, (i - 1) >> 1)) {
        ih_swap(h, i, (i - 1) >> 1);
        i = (i - 1) >> 1;
    }
}

static void ih_down(IndexedHeap *h, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->size && ih_less(h, l, m))
            m = l;
        if (r < h->size && ih_less(h, r, m))
            m = r;
        if (m == i)
            return;
        ih_swap(h, i, m);
        i = m;
    }
}

static void ih_push_or_decrease(IndexedHeap *h, int v) {
    if (h->pos[v] < 0) {
        h->heap[h->size] = v;
        h->pos[v] = h->size++;
    }
    ih_up(h, h->pos[v]);
}

static int ih_pop(IndexedHeap *h) {
    int top = h->heap[0];
    h->pos[top] = -1;
    if (--h->size > 0) {
        h->heap[0] = h->heap[h->size];
        h->pos[h->heap[0]] = 0;
        ih_down(h, 0);
    }
    return top;
}

static int dijkstra_indexed(int src, uint64_t *dist, int *pr) {
    for (int i = 0; i < g.n; i++) {
        dist[i] = INF;
        pr[i] = -1;
        iheap.pos[i] = -1;
    }
    iheap.size = 0;
    iheap.key = dist;
    dist[src] = 0;
    ih_push_or_decrease(&iheap, src);
    int settled = 0;
    while (iheap.size > 0) {
        int u = ih_pop(&iheap);
        settled++;
        for (int e = g.start[u]; e < g.start[u + 1]; e++) {
            int v = g.to[e];
            uint64_t nd = dist[u] + g.w[e];
            if (nd < dist[v]) {
                dist[v] = nd;
                pr[v] = u;
                ih_push_or_decrease(&iheap, v);
            }
        }
    }
    return settled;
}

/* ---------------- lazy heap (duplicates, skip stale) ---------------- */
static int lazy_less(LazyItem a, LazyItem b) {
    return a.dist < b.dist || (a.dist == b.dist && a.node < b.node);
}

static void lazy_push(int *size, LazyItem it) {
    int i = (*size)++;
    lheap[i] = it;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!lazy_less(lheap[i], lheap[p]))
            break;
        LazyItem t = lheap[i];
        lheap[i] = lheap[p];
        lheap[p] = t;
        i = p;
    }
}

static LazyItem lazy_pop(int *size) {
    LazyItem top = lheap[0];
    lheap[0] = lheap[--*size];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < *size && lazy_less(lheap[l], lheap[m]))
            m = l;
        if (r < *size && lazy_less(lheap[r], lheap[m]))
            m = r;
        if (m == i)
            break;
        LazyItem t = lheap[i];
        lheap[i] = lheap[m];
        lheap[m] = t;
        i = m;
    }
    return top;
}

static int dijkstra_lazy(int src, uint64_t *dist) {
    int size = 0, pops = 0;
    for (int i = 0; i < g.n; i++)
        dist[i] = INF;
    dist[src] = 0;
    lazy_push(&size, (LazyItem){0, src});
    while (size > 0) {
        LazyItem it = lazy_pop(&size);
        pops++;
        if (it.dist != dist[it.node])
            continue;
        int u = it.node;
        for (int e = g.start[u]; e < g.start[u + 1]; e++) {
            uint64_t nd = it.dist + g.w[e];
            if (nd < dist[g.to[e]]) {
                dist[g.to[e]] = nd;
                lazy_push(&size, (LazyItem){nd, g.to[e]});
            }
        }
    }
    return pops;
}

/* ---------------- Bellman-Ford with early exit ---------------- */
static int bellman_ford(int src, uint64_t *dist) {
    for (int i = 0; i < g.n; i++)
        dist[i] = INF;
    dist[src] = 0;
    int passes = 0;
    for (int it = 0; it < g.n - 1; it++) {
        int changed = 0;
        passes++;
        for (int u = 0; u < g.n; u++) {
            if (dist[u] == INF)
                continue;
            for (int e = g.start[u]; e < g.start[u + 1]; e++) {
                uint64_t nd = dist[u] + g.w[e];
                if (nd < dist[g.to[e]]) {
                    dist[g.to[e]] = nd;
                    changed = 1;
                }
            }
        }
        if (!changed)
            break;
    }
    return passes;
}

/* Each predecessor edge must exist and be tight: dist[v] = dist[p] + w. */
static int validate_tree(int src, const uint64_t *dist, const int *pr) {
    for (int v = 0; v < g.n; v++) {
        if (v == src || dist[v] == INF)
            continue;
        int p = pr[v];
        if (p < 0)
            return 0;
        int found = 0;
        for (int e = g.start[p]; e < g.start[p + 1]; e++)
            if (g.to[e] == v && dist[p] + g.w[e] == dist[v])
                found = 1;
        if (!found)
            return 0;
    }
    return 1;
}

static int path_hops(int v, const int *pr) {
    int hops = 0;
    while (pr[v] >= 0 && hops <= g.n) {
        v = pr[v];
        hops++;
    }
    return hops;
}

static uint32_t mix64(uint32_t h, uint64_t v) {
    h = (h ^ (uint32_t)v) * 0x01000193u;
    h = (h ^ (uint32_t)(v >> 32)) * 0x01000193u;
    return h;
}

int main(void) {
    int ok = 1;
    uint32_t h = 0x811c9dc5u;

    /* Large graphs: indexed heap vs lazy heap. */
    static const int sizes[3] = {24000, 16000, 9000};
    static const int extras[3] = {100000, 90000, 40000};
    for (int t = 0; t < 3; t++) {
        make_graph(sizes[t], extras[t]);
        int src = (int)rng_range((uint32_t)g.n);
        int settled = dijkstra_indexed(src, dist_a, pred);
        int pops = dijkstra_lazy(src, dist_b);
        int same = memcmp(dist_a, dist_b, sizeof(uint64_t) * (size_t)g.n) == 0;
        int tree_ok = validate_tree(src, dist_a, pred);
        uint64_t sum = 0, maxd = 0;
        int far = src, max_hops = 0;
        for (int v = 0; v < g.n; v++) {
            if (dist_a[v] == INF)
                continue;
            sum += dist_a[v];
            if (dist_a[v] > maxd) {
                maxd = dist_a[v];
                far = v;
            }
            h = mix64(h, dist_a[v]);
        }
        for (int v = 0; v < g.n; v += 97) {
            int hops = path_hops(v, pred);
            if (hops > max_hops)
                max_hops = hops;
        }
        printf("graph n=%5d m=%6d src=%5d settled=%5d lazy-pops=%6d sum=%llu max=%llu (node %d) "
               "hops<=%d %s %s\n",
               g.n, g.m, src, settled, pops, (unsigned long long)sum, (unsigned long long)maxd, far,
               max_hops, same ? "heaps-agree" : "HEAPS-DIFFER", tree_ok ? "tree-ok" : "TREE-BAD");
        if (!same || !tree_ok) {
            printf("FAIL large graph %d\n", t);
            ok = 0;
        }
    }

    /* Small graphs: Dijkstra vs Bellman-Ford from several sources. */
    int bf_total_passes = 0;
    for (int t = 0; t < 6; t++) {
        make_graph(300 + 100 * t, 1200 + 500 * t);
        for (int s = 0; s < 3; s++) {
            int src = (int)rng_range((uint32_t)g.n);
            dijkstra_indexed(src, dist_a, pred);
            bf_total_passes += bellman_ford(src, dist_c);
            if (memcmp(dist_a, dist_c, sizeof(uint64_t) * (size_t)g.n) != 0) {
                printf("FAIL bellman-ford mismatch graph %d source %d\n", t, src);
                ok = 0;
            }
            uint64_t sum = 0;
            for (int v = 0; v < g.n; v++)
                sum += dist_c[v];
            h = mix64(h, sum);
        }
    }
    printf("bellman-ford cross-checks: 18, total passes %d\n", bf_total_passes);
    h = mix64(h, (uint64_t)bf_total_passes);

    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
