/* maxflow.c - maximum flow on generated networks: Dinic (BFS level graph +
 * recursive blocking-flow DFS with current-arc pointers) and Edmonds-Karp
 * (BFS augmenting paths) on every instance, then flow conservation and
 * max-flow = min-cut verification from the residual graph. Instances:
 * layered grids, random sparse graphs and unit-capacity bipartite matching.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_V 4200
#define MAX_E 60000 /* directed arcs including reverse arcs */

typedef struct {
    int n, m;
    int head[MAX_V];
    int next[MAX_E];
    int to[MAX_E];
    int64_t cap[MAX_E];  /* residual capacity */
    int64_t orig[MAX_E]; /* original capacity (0 for reverse arcs) */
} Network;

static Network net;
static int level[MAX_V], cur_arc[MAX_V], queue_[MAX_V], parent_arc[MAX_V];
static uint8_t reach[MAX_V];

static uint32_t rng_state = 0xFEEDFACEu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static int rnd(int n) {
    return (int)(rng_next() % (uint32_t)n);
}

static void net_init(int n) {
    net.n = n;
    net.m = 0;
    for (int i = 0; i < n; i++)
        net.head[i] = -1;
}

static void add_arc(int u, int v, int64_t c) {
    int e = net.m;
    net.to[e] = v;
    net.cap[e] = c;
    net.orig[e] = c;
    net.next[e] = net.head[u];
    net.head[u] = e;
    net.to[e + 1] = u;
    net.cap[e + 1] = 0;
    net.orig[e + 1] = 0;
    net.next[e + 1] = net.head[v];
    net.head[v] = e + 1;
    net.m += 2;
}

static void reset_flow(void) {
    for (int e = 0; e < net.m; e++)
        net.cap[e] = net.orig[e];
}

static int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

/* ------------------------------- Dinic ------------------------------- */
static int dinic_bfs(int s, int t) {
    for (int i = 0; i < net.n; i++)
        level[i] = -1;
    int qh = 0, qt = 0;
    level[s] = 0;
    queue_[qt++] = s;
    while (qh < qt) {
        int u = queue_[qh++];
        for (int e = net.head[u]; e >= 0; e = net.next[e]) {
            int v = net.to[e];
            if (net.cap[e] > 0 && level[v] < 0) {
                level[v] = level[u] + 1;
                queue_[qt++] = v;
            }
        }
    }
    return level[t] >= 0;
}

static int64_t dinic_dfs(int u, int t, int64_t pushed) {
    if (u == t)
        return pushed;
    for (int *pe = &cur_arc[u]; *pe >= 0; *pe = net.next[*pe]) {
        int e = *pe;
        int v = net.to[e];
        if (net.cap[e] <= 0 || level[v] != level[u] + 1)
            continue;
        int64_t got = dinic_dfs(v, t, min64(pushed, net.cap[e]));
        if (got > 0) {
            net.cap[e] -= got;
            net.cap[e ^ 1] += got;
            return got;
        }
    }
    return 0;
}

static int64_t dinic(int s, int t, int *phases) {
    int64_t flow = 0;
    *phases = 0;
    while (dinic_bfs(s, t)) {
        ++*phases;
        for (int i = 0; i < net.n; i++)
            cur_arc[i] = net.head[i];
        int64_t f;
        while ((f = dinic_dfs(s, t, INT64_MAX)) > 0)
            flow += f;
    }
    return flow;
}

/* ---------------------------- Edmonds-Karp ---------------------------- */
static int64_t edmonds_karp(int s, int t, int *paths) {
    int64_t flow = 0;
    *paths = 0;
    for (;;) {
        for (int i = 0; i < net.n; i++)
            parent_arc[i] = -1;
        int qh = 0, qt = 0;
        queue_[qt++] = s;
        parent_arc[s] = -2;
        while (qh < qt && parent_arc[t] == -1) {
            int u = queue_[qh++];
            for (int e = net.head[u]; e >= 0; e = net.next[e]) {
                int v = net.to[e];
                if (net.cap[e] > 0 && parent_arc[v] == -1) {
                    parent_arc[v] = e;
                    queue_[qt++] = v;
                }
            }
        }
        if (parent_arc[t] == -1)
            break;
        int64_t aug = INT64_MAX;
        for (int v = t; v != s; v = net.to[parent_arc[v] ^ 1])
            aug = min64(aug, net.cap[parent_arc[v]]);
        for (int v = t; v != s; v = net.to[parent_arc[v] ^ 1]) {
            net.cap[parent_arc[v]] -= aug;
            net.cap[parent_arc[v] ^ 1] += aug;
        }
        flow += aug;
        ++*paths;
    }
    return flow;
}

/* ------------------------------ verification ------------------------------ */
static int check_conservation(int s, int t, int64_t flow) {
    for (int u = 0; u < net.n; u++) {
        int64_t balance = 0;
        for (int e = net.head[u]; e >= 0; e = net.next[e]) {
            if (net.orig[e] > 0) { /* forward arc: flow = orig - residual */
                int64_t f = net.orig[e] - net.cap[e];
                if (f < 0 || f > net.orig[e])
                    return 0;
                balance -= f;
            } else {
                balance += net.cap[e] - net.orig[e]; /* flow entering via reverse */
            }
        }
        int64_t expect = (u == s) ? -flow : (u == t) ? flow : 0;
        if (balance != expect)
            return 0;
    }
    return 1;
}

static int64_t min_cut(int s, int *side) {
    memset(reach, 0, (size_t)net.n);
    int qh = 0, qt = 0;
    reach[s] = 1;
    queue_[qt++] = s;
    while (qh < qt) {
        int u = queue_[qh++];
        for (int e = net.head[u]; e >= 0; e = net.next[e])
            if (net.cap[e] > 0 && !reach[net.to[e]]) {
                reach[net.to[e]] = 1;
                queue_[qt++] = net.to[e];
            }
    }
    int64_t cut = 0;
    for (int e = 0; e < net.m; e += 2) {
        int u = net.to[e + 1], v = net.to[e];
        if (reach[u] && !reach[v])
            cut += net.orig[e];
    }
    *side = qt;
    return cut;
}

/* ------------------------------- generators ------------------------------- */
static void gen_layered(int layers, int width, int fanout, int maxcap) {
    net_init(layers * width + 2);
    int s = layers * width, t = s + 1;
    for (int i = 0; i < width; i++) {
        add_arc(s, i, 1 + rnd(maxcap * 2));
        add_arc((layers - 1) * width + i, t, 1 + rnd(maxcap * 2));
    }
    for (int l = 0; l + 1 < layers; l++)
        for (int i = 0; i < width; i++)
            for (int k = 0; k < fanout; k++) {
                int dst = (l + 1) * width + rnd(width);
                add_arc(l * width + i, dst, 1 + rnd(maxcap));
            }
}

static void gen_random(int n, int m, int maxcap) {
    net_init(n);
    for (int i = 0; i + 1 < n; i++) /* backbone so t is always reachable */
        add_arc(i, i + 1, 1 + rnd(maxcap / 4 + 1));
    for (int k = 0; k < 40; k++) { /* wide fan-out at s and fan-in at t */
        int v = 1 + rnd(n - 2);
        add_arc(0, v, 1 + rnd(maxcap * 4));
        v = 1 + rnd(n - 2);
        add_arc(v, n - 1, 1 + rnd(maxcap * 4));
    }
    for (int k = 0; k < m; k++) {
        int u = rnd(n), v = rnd(n);
        if (u != v)
            add_arc(u, v, 1 + rnd(maxcap));
    }
}

static void gen_bipartite(int left, int right, int degree) {
    net_init(left + right + 2);
    int s = left + right, t = s + 1;
    for (int i = 0; i < left; i++) {
        add_arc(s, i, 1);
        for (int k = 0; k < degree; k++)
            add_arc(i, left + rnd(right), 1);
    }
    for (int j = 0; j < right; j++)
        add_arc(left + j, t, 1);
}

typedef struct {
    const char *name;
    int kind;
    int a, b, c, d;
} Instance;

static const Instance instances[] = {
    {"layered 10x40", 0, 10, 40, 4, 1000},     {"layered 24x30", 0, 24, 30, 3, 50},
    {"random 600/4000", 1, 600, 4000, 10000, 0}, {"random 1500/4500", 1, 1500, 4500, 100, 0},
    {"bipartite 400x400", 2, 400, 400, 3, 0},  {"bipartite 600x500", 2, 600, 500, 2, 0},
};

int main(void) {
    int ok = 1;
    uint32_t h = 0x811c9dc5u;
    int ninst = (int)(sizeof instances / sizeof instances[0]);
    for (int i = 0; i < ninst; i++) {
        const Instance *in = &instances[i];
        switch (in->kind) {
        case 0:
            gen_layered(in->a, in->b, in->c, in->d);
            break;
        case 1:
            gen_random(in->a, in->b, in->c);
            break;
        default:
            gen_bipartite(in->a, in->b, in->c);
            break;
        }
        int s = (in->kind == 1) ? 0 : net.n - 2;
        int t = net.n - 1;
        int phases, paths, side;
        int64_t fd = dinic(s, t, &phases);
        int cons_d = check_conservation(s, t, fd);
        int64_t cut = min_cut(s, &side);
        reset_flow();
        int64_t fe = edmonds_karp(s, t, &paths);
        int cons_e = check_conservation(s, t, fe);
        int good = fd == fe && fd == cut && cons_d && cons_e;
        printf("%-20s V=%5d arcs=%6d  dinic %8lld (%2d phases)  edmonds-karp %8lld (%4d paths)  "
               "cut %8lld |S|=%4d  %s\n",
               in->name, net.n, net.m, (long long)fd, phases, (long long)fe, paths, (long long)cut,
               side, good ? "ok" : "MISMATCH");
        if (!good) {
            printf("FAIL instance %s\n", in->name);
            ok = 0;
        }
        h = (h ^ (uint32_t)fd) * 0x01000193u;
        h = (h ^ (uint32_t)side) * 0x01000193u;
        h = (h ^ (uint32_t)phases) * 0x01000193u;
        h = (h ^ (uint32_t)paths) * 0x01000193u;
    }
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
