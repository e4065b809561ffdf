/* spanning_tree.c - minimum spanning forests of generated undirected graphs
 * with three algorithms: Kruskal (merge sort + union-find with path
 * compression and union by rank), Prim (indexed binary heap over an
 * adjacency array) and Boruvka. Edge keys (weight, index) are totally
 * ordered, so all three must pick the same edge set and total weight.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_V 20000
#define MAX_E 110000

typedef struct {
    int u, v;
    uint32_t w;
} Edge;

typedef struct {
    int parent[MAX_V];
    uint8_t rank[MAX_V];
    int sets;
} UnionFind;

typedef int (*EdgeCmp)(int, int);

static Edge edges[MAX_E];
static int order[MAX_E], tmp_order[MAX_E];
static uint8_t in_kruskal[MAX_E], in_prim[MAX_E], in_boruvka[MAX_E];
static int adj_start[MAX_V + 1], adj_edge[2 * MAX_E];
static UnionFind uf;
static int nv, ne;

static uint32_t rng_state = 0x13579BDFu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint64_t edge_key(int e) {
    return ((uint64_t)edges[e].w << 32) | (uint32_t)e;
}

static int cmp_by_key(int a, int b) {
    uint64_t ka = edge_key(a), kb = edge_key(b);
    return (ka > kb) - (ka < kb);
}

/* Bottom-up merge sort of an index array using a comparator callback. */
static void merge_sort(int *idx, int n, EdgeCmp cmp) {
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp_order[k++] = cmp(idx[i], idx[j]) <= 0 ? idx[i++] : idx[j++];
            while (i < mid)
                tmp_order[k++] = idx[i++];
            while (j < hi)
                tmp_order[k++] = idx[j++];
        }
        memcpy(idx, tmp_order, sizeof(int) * (size_t)n);
    }
}

/* ------------------------------ union-find ------------------------------ */
static void uf_init(UnionFind *f, int n) {
    for (int i = 0; i < n; i++) {
        f->parent[i] = i;
        f->rank[i] = 0;
    }
    f->sets = n;
}

static int uf_find(UnionFind *f, int x) {
    int root = x;
    while (f->parent[root] != root)
        root = f->parent[root];
    while (f->parent[x] != root) { /* path compression */
        int next = f->parent[x];
        f->parent[x] = root;
        x = next;
    }
    return root;
}

static int uf_union(UnionFind *f, int a, int b) {
    a = uf_find(f, a);
    b = uf_find(f, b);
    if (a == b)
        return 0;
    if (f->rank[a] < f->rank[b]) {
        int t = a;
        a = b;
        b = t;
    }
    f->parent[b] = a;
    if (f->rank[a] == f->rank[b])
        f->rank[a]++;
    f->sets--;
    return 1;
}

/* ------------------------------ generation ------------------------------ */
static void make_graph(int n, int m, uint32_t maxw) {
    nv = n;
    ne = 0;
    /* A few long random chains give large components; random edges join them. */
    for (int i = 1; i < n; i++)
        if (rng_next() % 8u != 0)
            edges[ne++] = (Edge){i - 1, i, 1u + rng_next() % maxw};
    while (ne < m) {
        int u = (int)(rng_next() % (uint32_t)n);
        int v = (int)(rng_next() % (uint32_t)n);
        if (u == v)
            continue;
        edges[ne++] = (Edge){u, v, 1u + rng_next() % maxw};
    }
    memset(adj_start, 0, sizeof(int) * (size_t)(n + 1));
    for (int e = 0; e < ne; e++) {
        adj_start[edges[e].u + 1]++;
        adj_start[edges[e].v + 1]++;
    }
    for (int i = 0; i < n; i++)
        adj_start[i + 1] += adj_start[i];
    static int fill[MAX_V];
    memcpy(fill, adj_start, sizeof(int) * (size_t)n);
    for (int e = 0; e < ne; e++) {
        adj_edge[fill[edges[e].u]++] = e;
        adj_edge[fill[edges[e].v]++] = e;
    }
}

/* -------------------------------- Kruskal -------------------------------- */
static uint64_t kruskal(int *count) {
    for (int e = 0; e < ne; e++)
        order[e] = e;
    merge_sort(order, ne, cmp_by_key);
    uf_init(&uf, nv);
    uint64_t total = 0;
    *count = 0;
    memset(in_kruskal, 0, sizeof in_kruskal);
    for (int i = 0; i < ne && uf.sets > 1; i++) {
        int e = order[i];
        if (uf_union(&uf, edges[e].u, edges[e].v)) {
            total += edges[e].w;
            in_kruskal[e] = 1;
            ++*count;
        }
    }
    return total;
}

/* ---------------------------------- Prim ---------------------------------- */
static uint64_t best_key[MAX_V];
static int best_edge[MAX_V], heap[MAX_V], heap_pos[MAX_V];
static uint8_t done[MAX_V];
static int heap_size;

static void heap_sift_up(int i) {
    while (i > 0) {
        int p = (i - 1) / 2;
        if (best_key[heap[p]] <= best_key[heap[i]])
            break;
        int t = heap[p];
        heap[p] = heap[i];
        heap[i] = t;
        heap_pos[heap[p]] = p;
        heap_pos[heap[i]] = i;
        i = p;
    }
}

static void heap_sift_down(int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_size && best_key[heap[l]] < best_key[heap[m]])
            m = l;
        if (r < heap_size && best_key[heap[r]] < best_key[heap[m]])
            m = r;
        if (m == i)
            return;
        int t = heap[m];
        heap[m] = heap[i];
        heap[i] = t;
        heap_pos[heap[m]] = m;
        heap_pos[heap[i]] = i;
        i = m;
    }
}

static uint64_t prim(int *count, int *trees) {
    for (int v = 0; v < nv; v++) {
        best_key[v] = UINT64_MAX;
        best_edge[v] = -1;
        heap_pos[v] = -1;
        done[v] = 0;
    }
    memset(in_prim, 0, sizeof in_prim);
    uint64_t total = 0;
    *count = 0;
    *trees = 0;
    for (int root = 0; root < nv; root++) {
        if (done[root])
            continue;
        ++*trees;
        best_key[root] = 0;
        heap_size = 0;
        heap[heap_size] = root;
        heap_pos[root] = heap_size++;
        while (heap_size > 0) {
            int u = heap[0];
            heap_pos[u] = -1;
            if (--heap_size > 0) {
                heap[0] = heap[heap_size];
                heap_pos[heap[0]] = 0;
                heap_sift_down(0);
            }
            done[u] = 1;
            if (best_edge[u] >= 0) {
                in_prim[best_edge[u]] = 1;
                total += edges[best_edge[u]].w;
                ++*count;
            }
            for (int k = adj_start[u]; k < adj_start[u + 1]; k++) {
                int e = adj_edge[k];
                int v = edges[e].u == u ? edges[e].v : edges[e].u;
                if (done[v])
                    continue;
                uint64_t key = edge_key(e);
                if (key < best_key[v]) {
                    best_key[v] = key;
                    best_edge[v] = e;
                    if (heap_pos[v] < 0) {
                        heap[heap_size] = v;
                        heap_pos[v] = heap_size++;
                    }
                    heap_sift_up(heap_pos[v]);
                }
            }
        }
    }
    return total;
}

/* -------------------------------- Boruvka -------------------------------- */
static int cheapest[MAX_V];

static uint64_t boruvka(int *count, int *rounds) {
    uf_init(&uf, nv);
    memset(in_boruvka, 0, sizeof in_boruvka);
    uint64_t total = 0;
    *count = 0;
    *rounds = 0;
    for (;;) {
        for (int v = 0; v < nv; v++)
            cheapest[v] = -1;
        for (int e = 0; e < ne; e++) {
            int a = uf_find(&uf, edges[e].u), b = uf_find(&uf, edges[e].v);
            if (a == b)
                continue;
            if (cheapest[a] < 0 || edge_key(e) < edge_key(cheapest[a]))
                cheapest[a] = e;
            if (cheapest[b] < 0 || edge_key(e) < edge_key(cheapest[b]))
                cheapest[b] = e;
        }
        int merged = 0;
        for (int v = 0; v < nv; v++) {
            int e = cheapest[v];
            if (e >= 0 && uf_union(&uf, edges[e].u, edges[e].v)) {
                in_boruvka[e] = 1;
                total += edges[e].w;
                ++*count;
                merged = 1;
            }
        }
        if (!merged)
            break;
        ++*rounds;
    }
    return total;
}

static uint32_t fnv_bytes(uint32_t h, const uint8_t *p, int n) {
    for (int i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

int main(void) {
    static const int vs[4] = {20000, 12000, 5000, 800};
    static const int es[4] = {100000, 36000, 40000, 1500};
    static const uint32_t maxws[4] = {100000u, 50u, 1000000u, 7u};
    int ok = 1;
    uint32_t h = 0x811c9dc5u;
    for (int t = 0; t < 4; t++) {
        make_graph(vs[t], es[t], maxws[t]);
        int kc, pc, pt, bc, br;
        uint64_t kt = kruskal(&kc);
        int components = uf.sets;
        uint64_t pw = prim(&pc, &pt);
        uint64_t bw = boruvka(&bc, &br);
        int same_sets = memcmp(in_kruskal, in_prim, (size_t)ne) == 0 &&
                        memcmp(in_kruskal, in_boruvka, (size_t)ne) == 0;
        int good = kt == pw && kt == bw && kc == pc && kc == bc && pt == components &&
                   kc == nv - components && same_sets;
        printf("V=%5d E=%6d maxw=%7u: components %4d  edges %5d  kruskal %llu  prim %llu  "
               "boruvka %llu (%d rounds)  %s\n",
               nv, ne, (unsigned)maxws[t], components, kc, (unsigned long long)kt,
               (unsigned long long)pw, (unsigned long long)bw, br, good ? "agree" : "DISAGREE");
        if (!good) {
            printf("FAIL graph %d\n", t);
            ok = 0;
        }
        h = (h ^ (uint32_t)kt) * 0x01000193u;
        h = (h ^ (uint32_t)(kt >> 32)) * 0x01000193u;
        h = (h ^ (uint32_t)components) * 0x01000193u;
        h = fnv_bytes(h, in_kruskal, ne);
    }
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
