/* priority_queue.c - a discrete-event simulation of a closed queueing
 * network (terminals -> CPU pool -> disk -> CPU ...) whose event list is a
 * priority queue.  The same simulation runs on a binary heap, a 4-ary heap
 * and a pairing heap; event traces and statistics must be identical.  The
 * queues are also cross-checked by a heap sort and a random push/pop mix.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_JOBS 1500
#define PQ_CAP 4096
#define SIM_EVENTS 90000
#define SAMPLE_EVERY 5000u
#define SORT_N 12000

/* ---------------------------------------------------------------- events */

enum { EV_THINK_DONE, EV_CPU_DONE, EV_DISK_DONE, EV_SAMPLE };

typedef struct {
    uint64_t time;
    uint32_t seq; /* unique tie breaker: the order of events is total */
    uint32_t type;
    uint32_t job;
} Event;

static int ev_less(const Event *a, const Event *b) {
    if (a->time != b->time)
        return a->time < b->time;
    return a->seq < b->seq;
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x01000193u;
    return h ^ (h >> 15);
}

typedef struct {
    uint32_t s;
} Rng;

static uint32_t rng_next(Rng *r) {
    uint32_t x = r->s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->s = x;
    return x;
}

/* ------------------------------------------------------ queue interface */

typedef struct PQ PQ;

typedef struct {
    Event ev;
    int child, sibling;
} PNode;

struct PQ {
    const char *name;
    void (*push)(PQ *, const Event *);
    int (*pop)(PQ *, Event *);
    int n;
    Event *arr;   /* heaps */
    PNode *pool;  /* pairing heap */
    int *scratch;
    int root, free_list;
    uint64_t moves; /* element moves / links, a cost measure */
};

/* Binary heap: classic array layout, children at 2i+1 and 2i+2. */
static void bh_push(PQ *q, const Event *e) {
    int i = q->n++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!ev_less(e, &q->arr[p]))
            break;
        q->arr[i] = q->arr[p];
        q->moves++;
        i = p;
    }
    q->arr[i] = *e;
}

static int bh_pop(PQ *q, Event *out) {
    if (q->n == 0)
        return 0;
    *out = q->arr[0];
    Event last = q->arr[--q->n];
    int i = 0, n = q->n;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_less(&q->arr[c + 1], &q->arr[c]))
            c++;
        if (!ev_less(&q->arr[c], &last))
            break;
        q->arr[i] = q->arr[c];
        q->moves++;
        i = c;
    }
    if (n > 0)
        q->arr[i] = last;
    return 1;
}

/* 4-ary heap: shallower tree, more comparisons per level. */
static void dh_push(PQ *q, const Event *e) {
    int i = q->n++;
    while (i > 0 && ev_less(e, &q->arr[(i - 1) >> 2])) {
        q->arr[i] = q->arr[(i - 1) >> 2];
        q->moves++;
        i = (i - 1) >> 2;
    }
    q->arr[i] = *e;
}

static int dh_pop(PQ *q, Event *out) {
    if (q->n == 0)
        return 0;
    *out = q->arr[0];
    int n = --q->n;
    if (n == 0)
        return 1;
    Event last = q->arr[n];
    int i = 0;
    for (;;) {
        int first = 4 * i + 1, best = -1;
        for (int c = first; c < first + 4 && c < n; c++)
            if (best < 0 || ev_less(&q->arr[c], &q->arr[best]))
                best = c;
        if (best < 0 || !ev_less(&q->arr[best], &last))
            break;
        q->arr[i] = q->arr[best];
        q->moves++;
        i = best;
    }
    q->arr[i] = last;
    return 1;
}

/* Pairing heap over a node pool; pop uses the two-pass pairing scheme. */
static int ph_link(PQ *q, int a, int b) {
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    q->moves++;
    if (ev_less(&q->pool[b].ev, &q->pool[a].ev)) {
        int t = a;
        a = b;
        b = t;
    }
    q->pool[b].sibling = q->pool[a].child;
    q->pool[a].child = b;
    return a;
}

static void ph_push(PQ *q, const Event *e) {
    int id = q->free_list;
    q->free_list = q->pool[id].sibling;
    q->pool[id].ev = *e;
    q->pool[id].child = -1;
    q->pool[id].sibling = -1;
    q->root = ph_link(q, q->root, id);
    q->n++;
}

static int ph_pop(PQ *q, Event *out) {
    if (q->root < 0)
        return 0;
    int r = q->root;
    *out = q->pool[r].ev;
    /* First pass: link children in pairs, left to right. */
    int k = 0;
    int c = q->pool[r].child;
    while (c >= 0) {
        int a = c, b = q->pool[a].sibling;
        int next = b >= 0 ? q->pool[b].sibling : -1;
        q->pool[a].sibling = -1;
        if (b >= 0)
            q->pool[b].sibling = -1;
        q->scratch[k++] = ph_link(q, a, b);
        c = next;
    }
    /* Second pass: fold the pairs right to left. */
    int root = -1;
    while (k > 0)
        root = ph_link(q, q->scratch[--k], root);
    q->root = root;
    q->pool[r].sibling = q->free_list;
    q->free_list = r;
    q->n--;
    return 1;
}

static void pq_init(PQ *q, int kind) {
    memset(q, 0, sizeof *q);
    q->root = -1;
    if (kind == 0) {
        q->name = "binary";
        q->push = bh_push;
        q->pop = bh_pop;
    } else if (kind == 1) {
        q->name = "4-ary";
        q->push = dh_push;
        q->pop = dh_pop;
    } else {
        q->name = "pairing";
        q->push = ph_push;
        q->pop = ph_pop;
    }
    q->arr = malloc(PQ_CAP * sizeof *q->arr);
    q->pool = malloc(PQ_CAP * sizeof *q->pool);
    q->scratch = malloc(PQ_CAP * sizeof *q->scratch);
    for (int i = 0; i < PQ_CAP; i++)
        q->pool[i].sibling = i + 1 < PQ_CAP ? i + 1 : -1;
    q->free_list = 0;
}

static void pq_free(PQ *q) {
    free(q->arr);
    free(q->pool);
    free(q->scratch);
}

/* ----------------------------------------------------------- simulation */

enum { ST_CPU, ST_DISK, N_ST };

typedef struct {
    int servers, busy;
    uint32_t ring[N_JOBS];
    int head, count, max_count;
    uint64_t busy_area, queue_area, last;
} Station;

typedef struct {
    PQ *pq;
    Rng rng;
    uint64_t now;
    uint32_t seq;
    Station st[N_ST];
    uint64_t req_start[N_JOBS];
    uint64_t completed, resp_total, resp_max;
    uint32_t resp_hist[16];
    uint32_t qlen_hist[8];
    uint32_t trace;
    uint64_t events;
} Sim;

static void schedule(Sim *s, uint64_t at, uint32_t type, uint32_t job) {
    Event e;
    e.time = at;
    e.seq = s->seq++;
    e.type = type;
    e.job = job;
    s->pq->push(s->pq, &e);
}

static uint64_t service_time(Sim *s, int station) {
    uint32_t r = rng_next(&s->rng);
    if (station == ST_CPU) /* mostly short bursts, sometimes long */
        return (r & 7u) == 0 ? 200u + (r >> 8) % 800u : 10u + (r >> 8) % 90u;
    return 50u + (r >> 8) % 300u;
}

static void account(Station *t, uint64_t now) {
    t->busy_area += (uint64_t)t->busy * (now - t->last);
    t->queue_area += (uint64_t)t->count * (now - t->last);
    t->last = now;
}

static void arrive(Sim *s, int station, uint32_t job) {
    Station *t = &s->st[station];
    account(t, s->now);
    if (t->busy < t->servers) {
        t->busy++;
        schedule(s, s->now + service_time(s, station), station == ST_CPU ? EV_CPU_DONE : EV_DISK_DONE,
                 job);
        return;
    }
    t->ring[(t->head + t->count) % N_JOBS] = job;
    if (++t->count > t->max_count)
        t->max_count = t->count;
}

static void depart(Sim *s, int station) {
    Station *t = &s->st[station];
    account(t, s->now);
    if (t->count > 0) {
        uint32_t next = t->ring[t->head];
        t->head = (t->head + 1) % N_JOBS;
        t->count--;
        schedule(s, s->now + service_time(s, station), station == ST_CPU ? EV_CPU_DONE : EV_DISK_DONE,
                 next);
    } else {
        t->busy--;
    }
}

static int log2_bucket(uint64_t v) {
    int b = 0;
    while (v > 1 && b < 15) {
        v >>= 1;
        b++;
    }
    return b;
}

static void run_sim(Sim *s, PQ *pq) {
    memset(s, 0, sizeof *s);
    s->pq = pq;
    s->rng.s = 0x9E3779B9u;
    s->st[ST_CPU].servers = 6;
    s->st[ST_DISK].servers = 6;
    s->trace = 2166136261u;
    for (uint32_t j = 0; j < N_JOBS; j++)
        schedule(s, rng_next(&s->rng) % 200000u, EV_THINK_DONE, j);
    schedule(s, SAMPLE_EVERY, EV_SAMPLE, 0);

    Event e;
    while (s->events < SIM_EVENTS && pq->pop(pq, &e)) {
        s->events++;
        s->now = e.time;
        s->trace = mix32(s->trace, (uint32_t)e.time);
        s->trace = mix32(s->trace, e.type << 16 | e.job);
        switch (e.type) {
        case EV_THINK_DONE:
            s->req_start[e.job] = s->now;
            arrive(s, ST_CPU, e.job);
            break;
        case EV_CPU_DONE:
            depart(s, ST_CPU);
            if (rng_next(&s->rng) % 100u < 65u) {
                arrive(s, ST_DISK, e.job);
            } else {
                uint64_t resp = s->now - s->req_start[e.job];
                s->completed++;
                s->resp_total += resp;
                if (resp > s->resp_max)
                    s->resp_max = resp;
                s->resp_hist[log2_bucket(resp)]++;
                schedule(s, s->now + 20000u + rng_next(&s->rng) % 200000u, EV_THINK_DONE, e.job);
            }
            break;
        case EV_DISK_DONE:
            depart(s, ST_DISK);
            arrive(s, ST_CPU, e.job);
            break;
        default: { /* EV_SAMPLE */
            int q = s->st[ST_CPU].count + s->st[ST_DISK].count;
            s->qlen_hist[log2_bucket((uint64_t)q + 1u) & 7]++;
            schedule(s, s->now + SAMPLE_EVERY, EV_SAMPLE, 0);
            break;
        }
        }
    }
    for (int i = 0; i < N_ST; i++)
        account(&s->st[i], s->now);
}

static uint32_t sim_digest(const Sim *s) {
    uint32_t h = s->trace;
    h = mix32(h, (uint32_t)s->completed);
    h = mix32(h, (uint32_t)s->resp_total);
    h = mix32(h, (uint32_t)s->resp_max);
    for (int i = 0; i < N_ST; i++) {
        h = mix32(h, (uint32_t)s->st[i].busy_area);
        h = mix32(h, (uint32_t)s->st[i].queue_area);
        h = mix32(h, (uint32_t)s->st[i].max_count);
    }
    for (int i = 0; i < 16; i++)
        h = mix32(h, s->resp_hist[i]);
    for (int i = 0; i < 8; i++)
        h = mix32(h, s->qlen_hist[i]);
    return h;
}

/* ------------------------------------------------------- direct tests */

/* Heap sort through the queue: keys with many duplicates; the pop order must
 * be non-decreasing.  Returns a hash of the pop order, or 0 on failure. */
static uint32_t sort_test(PQ *q) {
    Rng r = {0xDEADBEEFu};
    Event e, prev;
    uint32_t h = 1;
    for (uint32_t i = 0; i < SORT_N; i++) {
        if (q->n == PQ_CAP - 1) { /* drain half when full */
            for (int k = 0; k < PQ_CAP / 2; k++) {
                q->pop(q, &e);
                h = mix32(h, e.job);
            }
        }
        e.time = rng_next(&r) % 5000u;
        e.seq = i;
        e.type = 0;
        e.job = i;
        q->push(q, &e);
    }
    int first = 1;
    while (q->pop(q, &e)) {
        if (!first && ev_less(&e, &prev))
            return 0;
        first = 0;
        prev = e;
        h = mix32(h, (uint32_t)e.time);
        h = mix32(h, e.job);
    }
    return h;
}

/* Random interleaving of pushes and pops (pops biased to a steady size). */
static uint32_t mixed_test(PQ *q) {
    Rng r = {0x1234567u};
    Event e;
    uint32_t h = 7, seq = 0;
    uint64_t floor_time = 0;
    for (int i = 0; i < 30000; i++) {
        uint32_t x = rng_next(&r);
        int want_pop = q->n > 0 && (x % 1000u) < (uint32_t)(300 + q->n / 4);
        if (want_pop || q->n >= PQ_CAP - 1) {
            q->pop(q, &e);
            if (e.time < floor_time) /* monotone "simulation clock" */
                return 0;
            floor_time = e.time;
            h = mix32(h, e.seq);
        } else {
            e.time = floor_time + (x >> 10) % 3000u;
            e.seq = seq++;
            e.type = 1;
            e.job = 0;
            q->push(q, &e);
        }
    }
    while (q->pop(q, &e))
        h = mix32(h, e.seq);
    return h;
}

int main(void) {
    static Sim sims[3];
    PQ pqs[3];
    uint32_t digests[3], sorts[3], mixes[3];
    int ok = 1;

    for (int k = 0; k < 3; k++) {
        pq_init(&pqs[k], k);
        run_sim(&sims[k], &pqs[k]);
        digests[k] = sim_digest(&sims[k]);
        uint64_t sim_moves = pqs[k].moves;
        int pending = pqs[k].n;
        sorts[k] = sort_test(&pqs[k]);
        mixes[k] = mixed_test(&pqs[k]);
        const Sim *s = &sims[k];
        printf("%-8s events=%llu pending=%d completed=%llu mean_resp=%llu max_resp=%llu "
               "moves=%llu\n",
               pqs[k].name, (unsigned long long)s->events, pending,
               (unsigned long long)s->completed,
               (unsigned long long)(s->completed ? s->resp_total / s->completed : 0),
               (unsigned long long)s->resp_max, (unsigned long long)sim_moves);
        printf("         cpu util=%llu/1000 maxq=%d  disk util=%llu/1000 maxq=%d  digest=0x%08x "
               "sort=0x%08x mix=0x%08x\n",
               (unsigned long long)(s->st[ST_CPU].busy_area * 1000u /
                                    (s->now * (uint64_t)s->st[ST_CPU].servers)),
               s->st[ST_CPU].max_count,
               (unsigned long long)(s->st[ST_DISK].busy_area * 1000u /
                                    (s->now * (uint64_t)s->st[ST_DISK].servers)),
               s->st[ST_DISK].max_count, (unsigned)digests[k], (unsigned)sorts[k],
               (unsigned)mixes[k]);
        if (sorts[k] == 0 || mixes[k] == 0) {
            printf("FAIL %s: queue order violated\n", pqs[k].name);
            ok = 0;
        }
    }

    printf("response time histogram (log2 buckets):");
    for (int i = 0; i < 16; i++)
        printf(" %u", (unsigned)sims[0].resp_hist[i]);
    printf("\nqueue length samples:");
    for (int i = 0; i < 8; i++)
        printf(" %u", (unsigned)sims[0].qlen_hist[i]);
    printf("\n");

    for (int k = 1; k < 3; k++) {
        if (digests[k] != digests[0] || sorts[k] != sorts[0] || mixes[k] != mixes[0] ||
            sims[k].events != sims[0].events) {
            printf("FAIL %s disagrees with %s\n", pqs[k].name, pqs[0].name);
            ok = 0;
        }
    }
    printf("implementations agree: %s\n", ok ? "yes" : "no");

    uint32_t h = mix32(digests[0], sorts[0]);
    h = mix32(h, mixes[0]);
    h = mix32(h, (uint32_t)sims[0].completed);
    for (int k = 0; k < 3; k++)
        pq_free(&pqs[k]);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
