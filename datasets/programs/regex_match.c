/* regex_match.c - a small regular-expression engine: a recursive-descent
 * parser builds an AST (. * + ? | () [] classes, \d \w \s escapes, ^ $
 * anchors), Thompson's construction turns it into an NFA that is simulated
 * with state sets, and a continuation-passing backtracking matcher over the
 * AST cross-checks every answer on generated strings.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_NODES 256
#define MAX_STATES 512
#define MAX_CLASSES 96
#define MAX_STR 40
#define STRINGS_PER_PATTERN 1200
#define BT_BUDGET 2000000L

/* ---------------------------------------------------------------- PRNG */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    return rng_state = x;
}

static uint32_t rng_below(uint32_t n) { return rng_next() % n; }

static uint32_t mix32(uint32_t h, uint32_t v) { return h ^ (v + 0x9e3779b9u + (h << 6) + (h >> 2)); }

/* ------------------------------------------------------ character sets */

typedef struct { uint64_t w[4]; } CharSet;

static CharSet classes[MAX_CLASSES];
static int nclasses;

static void set_add(CharSet *cs, unsigned c) { cs->w[c >> 6] |= (uint64_t)1 << (c & 63u); }

static int set_has(const CharSet *cs, unsigned c) { return (int)((cs->w[c >> 6] >> (c & 63u)) & 1u); }

static void set_range(CharSet *cs, unsigned lo, unsigned hi) {
    for (unsigned c = lo; c <= hi; c++)
        set_add(cs, c);
}

static void set_negate(CharSet *cs) {
    for (int i = 0; i < 4; i++)
        cs->w[i] = ~cs->w[i] & (i == 0 ? ~(uint64_t)1 : ~(uint64_t)0); /* never NUL */
}

/* ---------------------------------------------------------------- parser */

enum { N_CLASS, N_CAT, N_ALT, N_STAR, N_PLUS, N_QUEST, N_BOL, N_EOL, N_EMPTY };

typedef struct { int kind, a, b; } Node; /* a: class id or first child */

static Node nodes[MAX_NODES];
static int nnodes, spos, perr;
static const char *src;

static int new_node(int kind, int a, int b) {
    if (nnodes >= MAX_NODES) {
        perr = 1;
        return 0;
    }
    nodes[nnodes] = (Node){kind, a, b};
    return nnodes++;
}

static int new_class(void) {
    if (nclasses >= MAX_CLASSES) {
        perr = 1;
        return 0;
    }
    memset(&classes[nclasses], 0, sizeof classes[nclasses]);
    return nclasses++;
}

/* Adds the set named by escape letter e (d, w, s or a literal) to cs. */
static void add_escape(CharSet *cs, char e) {
    if (e == 'd') {
        set_range(cs, '0', '9');
    } else if (e == 'w') {
        set_range(cs, 'a', 'z');
        set_range(cs, 'A', 'Z');
        set_range(cs, '0', '9');
        set_add(cs, '_');
    } else if (e == 's') {
        set_add(cs, ' ');
        set_range(cs, '\t', '\n');
    } else {
        set_add(cs, (unsigned char)e);
    }
}

static int parse_alt(void);

static void expect(char c) {
    if (src[spos] == c)
        spos++;
    else
        perr = 1;
}

static int parse_bracket(void) {
    int id = new_class();
    CharSet *cs = &classes[id];
    int neg = src[spos] == '^';
    spos += neg;
    int first = 1;
    while (src[spos] && (src[spos] != ']' || first)) {
        unsigned lo = (unsigned char)src[spos++];
        first = 0;
        if (lo == '\\' && src[spos]) {
            add_escape(cs, src[spos++]);
            continue;
        }
        if (src[spos] == '-' && src[spos + 1] && src[spos + 1] != ']') {
            unsigned hi = (unsigned char)src[spos + 1];
            spos += 2;
            perr |= hi < lo;
            set_range(cs, lo, hi);
        } else {
            set_add(cs, lo);
        }
    }
    expect(']');
    if (neg)
        set_negate(cs);
    return new_node(N_CLASS, id, 0);
}

static int parse_atom(void) {
    char c = src[spos];
    if (c == '(') {
        spos++;
        int n = parse_alt();
        expect(')');
        return n;
    }
    spos++;
    if (c == '[')
        return parse_bracket();
    if (c == '^')
        return new_node(N_BOL, 0, 0);
    if (c == '$')
        return new_node(N_EOL, 0, 0);
    int id = new_class();
    if (c == '.') {
        set_range(&classes[id], 1, 255);
        classes[id].w[0] &= ~((uint64_t)1 << '\n');
    } else if (c == '\\' && src[spos]) {
        add_escape(&classes[id], src[spos++]);
    } else {
        set_add(&classes[id], (unsigned char)c);
    }
    return new_node(N_CLASS, id, 0);
}

static int parse_repeat(void) {
    int n = parse_atom();
    for (;;) {
        char c = src[spos];
        if (c != '*' && c != '+' && c != '?')
            break;
        n = new_node(c == '*' ? N_STAR : c == '+' ? N_PLUS : N_QUEST, n, 0);
        spos++;
    }
    return n;
}

static int parse_cat(void) {
    int n = -1;
    while (src[spos] && src[spos] != '|' && src[spos] != ')') {
        int r = parse_repeat();
        n = n < 0 ? r : new_node(N_CAT, n, r);
    }
    return n < 0 ? new_node(N_EMPTY, 0, 0) : n;
}

static int parse_alt(void) {
    int n = parse_cat();
    while (src[spos] == '|') {
        spos++;
        n = new_node(N_ALT, n, parse_cat());
    }
    return n;
}

static int parse_regex(const char *re) {
    nnodes = nclasses = spos = perr = 0;
    src = re;
    int root = parse_alt();
    if (src[spos] != '\0')
        perr = 1;
    return perr ? -1 : root;
}

/* ------------------------------------------------- Thompson construction */

enum { S_CHAR, S_SPLIT, S_EPS, S_BOL, S_EOL, S_MATCH };

typedef struct { int kind, cls, out, out1; } State;

static State st[MAX_STATES];
static int nst;

/* Patch lists: dangling exits encoded as state*2 + (0: out, 1: out1). */
static int pl_val[MAX_STATES * 2];
static int pl_next[MAX_STATES * 2];
static int npl;

typedef struct { int start, head, tail; } Frag;

static int new_state(int kind, int cls, int out, int out1) {
    if (nst >= MAX_STATES) {
        perr = 1;
        return 0;
    }
    st[nst] = (State){kind, cls, out, out1};
    return nst++;
}

static Frag frag1(int start, int exitcode) {
    pl_val[npl] = exitcode;
    pl_next[npl] = -1;
    Frag f = {start, npl, npl};
    npl++;
    return f;
}

static void patch(int head, int target) {
    for (int i = head; i >= 0; i = pl_next[i]) {
        State *s = &st[pl_val[i] >> 1];
        *((pl_val[i] & 1) ? &s->out1 : &s->out) = target;
    }
}

static Frag compile_node(int n) {
    const Node *nd = &nodes[n];
    Frag f, g;
    int s;
    switch (nd->kind) {
    case N_CLASS:
        s = new_state(S_CHAR, nd->a, -1, -1);
        return frag1(s, s * 2);
    case N_BOL:
    case N_EOL:
    case N_EMPTY:
        s = new_state(nd->kind == N_BOL ? S_BOL : nd->kind == N_EOL ? S_EOL : S_EPS, 0, -1, -1);
        return frag1(s, s * 2);
    case N_CAT:
        f = compile_node(nd->a);
        g = compile_node(nd->b);
        patch(f.head, g.start);
        f.head = g.head;
        f.tail = g.tail;
        return f;
    case N_ALT:
        f = compile_node(nd->a);
        g = compile_node(nd->b);
        s = new_state(S_SPLIT, 0, f.start, g.start);
        pl_next[f.tail] = g.head;
        f.start = s;
        f.tail = g.tail;
        return f;
    case N_STAR:
    case N_PLUS: /* loop back through a split; a+ enters at the body */
        f = compile_node(nd->a);
        s = new_state(S_SPLIT, 0, f.start, -1);
        patch(f.head, s);
        g = frag1(s, s * 2 + 1);
        g.start = nd->kind == N_STAR ? s : f.start;
        return g;
    default: /* N_QUEST */
        f = compile_node(nd->a);
        s = new_state(S_SPLIT, 0, f.start, -1);
        g = frag1(s, s * 2 + 1);
        pl_next[f.tail] = g.head;
        f.start = s;
        f.tail = g.tail;
        return f;
    }
}

static int compile_regex(int root) {
    nst = 0;
    npl = 0;
    Frag f = compile_node(root);
    patch(f.head, new_state(S_MATCH, 0, -1, -1));
    return f.start;
}

/* ------------------------------------------------------ NFA simulation */

typedef struct { int n, s[MAX_STATES]; } List;

static List la, lb;
static uint32_t mark[MAX_STATES], gen;
static const char *in_s; /* subject string and its length */
static int in_len;
static uint64_t nfa_steps;

static void add_state(List *l, int s, int pos) {
    if (s < 0 || mark[s] == gen)
        return;
    mark[s] = gen;
    int k = st[s].kind;
    if (k == S_SPLIT) {
        add_state(l, st[s].out, pos);
        add_state(l, st[s].out1, pos);
    } else if (k == S_EPS || (k == S_BOL && pos == 0) || (k == S_EOL && pos == in_len)) {
        add_state(l, st[s].out, pos);
    } else if (k == S_CHAR || k == S_MATCH) {
        l->s[l->n++] = s;
    }
}

static int list_has_match(const List *l) {
    for (int i = 0; i < l->n; i++)
        if (st[l->s[i]].kind == S_MATCH)
            return 1;
    return 0;
}

static void step(const List *cl, List *nl, int pos) {
    unsigned c = (unsigned char)in_s[pos];
    for (int i = 0; i < cl->n; i++) {
        const State *p = &st[cl->s[i]];
        nfa_steps++;
        if (p->kind == S_CHAR && set_has(&classes[p->cls], c))
            add_state(nl, p->out, pos + 1);
    }
}

/* Anchored at 'from': the longest match end, or -1.  Unanchored (classic
 * Thompson search, a new thread at every position): 1 at the first match. */
static int nfa_run(int start, int from, int unanchored) {
    List *cl = &la, *nl = &lb, *t;
    int best = -1;
    gen++;
    cl->n = 0;
    add_state(cl, start, from);
    for (int i = from;; i++) {
        if (list_has_match(cl)) {
            if (unanchored)
                return 1;
            best = i;
        }
        if (i == in_len || (cl->n == 0 && !unanchored))
            break;
        gen++;
        nl->n = 0;
        step(cl, nl, i);
        if (unanchored)
            add_state(nl, start, i + 1);
        t = cl, cl = nl, nl = t;
    }
    return best;
}

static int nfa_longest(int start, int from) { return nfa_run(start, from, 0); }

/* ------------------------------------------------- backtracking matcher */

/* What to match next.  loop=1 means "maybe another iteration of node", and
 * that iteration must end beyond 'guard' (no empty iterations). */
typedef struct Cont {
    int loop, node, guard;
    const struct Cont *next;
} Cont;

static uint64_t bt_ends;
static long bt_steps;
static int bt_all; /* exhaustive: collect all end positions */

static int bt_node(int n, int pos, const Cont *k);
static int bt_star(int child, int pos, const Cont *k);

static int bt_cont(const Cont *k, int pos) {
    if (!k) {
        bt_ends |= (uint64_t)1 << pos;
        return !bt_all;
    }
    if (k->loop)
        return pos != k->guard && bt_star(k->node, pos, k->next);
    return bt_node(k->node, pos, k->next);
}

static int bt_star(int child, int pos, const Cont *k) {
    Cont c = {1, child, pos, k};
    return bt_node(child, pos, &c) || bt_cont(k, pos);
}

static int bt_node(int n, int pos, const Cont *k) {
    const Node *nd = &nodes[n];
    if (++bt_steps > BT_BUDGET)
        return 1;
    switch (nd->kind) {
    case N_CLASS:
        return pos < in_len && set_has(&classes[nd->a], (unsigned char)in_s[pos]) &&
               bt_cont(k, pos + 1);
    case N_CAT: {
        Cont c = {0, nd->b, -1, k};
        return bt_node(nd->a, pos, &c);
    }
    case N_ALT:
        return bt_node(nd->a, pos, k) || bt_node(nd->b, pos, k);
    case N_STAR:
        return bt_star(nd->a, pos, k);
    case N_PLUS: {
        Cont c = {1, nd->a, -1, k};
        return bt_node(nd->a, pos, &c);
    }
    case N_QUEST:
        return bt_node(nd->a, pos, k) || bt_cont(k, pos);
    case N_BOL:
        return pos == 0 ? bt_cont(k, pos) : 0;
    case N_EOL:
        return pos == in_len ? bt_cont(k, pos) : 0;
    default:
        return bt_cont(k, pos);
    }
}

static int bt_longest(int root, int from) {
    bt_ends = 0;
    bt_all = 1;
    bt_node(root, from, NULL);
    int best = -1;
    for (int i = from; i <= in_len; i++)
        if ((bt_ends >> i) & 1u)
            best = i;
    return best;
}

static int bt_search(int root) {
    int found = 0;
    bt_all = 0;
    for (int from = 0; from <= in_len && !found; from++)
        found = bt_node(root, from, NULL);
    return found;
}

/* Leftmost match start (or -1) and, through *end, its longest end. */
static int leftmost(int (*longest)(int, int), int prog, int *end) {
    for (int from = 0; from <= in_len; from++)
        if ((*end = longest(prog, from)) >= 0)
            return from;
    return -1;
}

/* ------------------------------------------------------ string generator */

static void gen_from(int n, char *out, int *len) {
    const Node *nd = &nodes[n];
    int reps;
    switch (nd->kind) {
    case N_CLASS: {
        /* Uniform pick among the printable members of the class. */
        const CharSet *cs = &classes[nd->a];
        int count = 0;
        for (unsigned c = 32; c < 127; c++)
            count += set_has(cs, c);
        if (count == 0 || *len >= MAX_STR)
            return;
        int pick = (int)rng_below((uint32_t)count);
        for (unsigned c = 32; c < 127; c++)
            if (set_has(cs, c) && pick-- == 0) {
                out[(*len)++] = (char)c;
                break;
            }
        return;
    }
    case N_CAT:
        gen_from(nd->a, out, len);
        gen_from(nd->b, out, len);
        return;
    case N_ALT:
        gen_from(rng_below(2) ? nd->a : nd->b, out, len);
        return;
    case N_STAR:
    case N_PLUS:
    case N_QUEST:
        reps = nd->kind == N_QUEST ? (int)rng_below(2) : (int)rng_below(4) + (nd->kind == N_PLUS);
        for (int i = 0; i < reps; i++)
            gen_from(nd->a, out, len);
        return;
    default:
        return;
    }
}

static int make_string(int root, char *buf) {
    static const char alpha[] = "abcdeabcxyz0123.  ";
    int len = 0;
    uint32_t mode = rng_below(4);
    /* 0: random; 1: from the regex; 2: and mutated; 3: random prefix too. */
    int pre = mode == 0 ? (int)rng_below(MAX_STR) : mode == 3 ? (int)rng_below(6) : 0;
    for (; len < pre; len++)
        buf[len] = alpha[rng_below(sizeof alpha - 1)];
    if (mode != 0) {
        gen_from(root, buf, &len);
        if (mode >= 2 && len > 0 && rng_below(3) == 0) /* mutate one char */
            buf[rng_below((uint32_t)len)] = alpha[rng_below(sizeof alpha - 1)];
    }
    buf[len] = '\0';
    return len;
}

/* --------------------------------------------------------------- driver */

static const char *const patterns[] = {
    "abc",          "a.c",           "ab*c",          "ab+c",
    "colou?r",      "^ab",           "cd$",           "^(ab|cd)*$",
    "a(b|c)*d",     "[a-c]+d",       "[^ab ]+",       "x?y?z?",
    "(a|b)*abb",    "^[abc]*$",      "(ab)+|(cd)+",   "a[bc]?d+e*",
    "\\d+",         "[0-9]+\\.[0-9]*", "(c|d)(a|b)(c|d)", "b(a|)c",
    "(a|b|c|d)(a|b)a", "^$",         "a.*b.*c",       "(aa|b)*$",
    "\\w+\\s\\w+",  "[]a]+",         "(x|y|)z+",      "^.?.?.?$",
};

static const struct { const char *re, *s; int full; } known[] = {
    {"colou?r", "color", 1},   {"colou?r", "colour", 1}, {"colou?r", "colouur", 0},
    {"(a|b)*abb", "babb", 1},  {"(a|b)*abb", "abab", 0}, {"^$", "", 1},
    {"[0-9]+\\.[0-9]*", "12.", 1}, {"b(a|)c", "bc", 1},   {"[]a]+", "]a]", 1},
};

int main(void) {
    char buf[MAX_STR + 8];
    uint32_t h = 0;
    int bad = 0;
    long total_bt = 0;
    int npat = (int)(sizeof patterns / sizeof patterns[0]);

    for (int p = 0; p < npat; p++) {
        int root = parse_regex(patterns[p]), start = 0;
        if (root < 0 || (start = compile_regex(root), perr)) {
            printf("FAIL cannot compile %s\n", patterns[p]);
            return 1;
        }
        int nsearch = 0, nfull = 0, startsum = 0, endsum = 0;
        nfa_steps = 0;
        bt_steps = 0;
        for (int k = 0; k < STRINGS_PER_PATTERN; k++) {
            int len = make_string(root, buf);
            in_s = buf;
            in_len = len;
            /* Leftmost start, longest end, full match, search: NFA vs backtracking. */
            int lend = -1, bend = -1;
            int lstart = leftmost(nfa_longest, start, &lend);
            int full = nfa_longest(start, 0) == len;
            int found = nfa_run(start, 0, 1) > 0;
            int bstart = leftmost(bt_longest, root, &bend);
            int bfull = bt_longest(root, 0) == len;
            int bfound = bt_search(root);
            if (found != (lstart >= 0) || found != bfound || full != bfull || lstart != bstart ||
                lend != bend) {
                printf("FAIL mismatch re=%s s=\"%s\" nfa=(%d,%d,%d,%d) bt=(%d,%d,%d,%d)\n",
                       patterns[p], buf, found, full, lstart, lend, bfound, bfull, bstart, bend);
                bad = 1;
            }
            nsearch += found;
            nfull += full;
            startsum += lstart >= 0 ? lstart : 0;
            endsum += lstart >= 0 ? lend : 0;
            h = mix32(h, (uint32_t)(lstart + 1) * 64u + (uint32_t)(lend + 1) + (uint32_t)full * 4096u);
        }
        if (bt_steps > BT_BUDGET) {
            printf("FAIL backtracking budget exceeded for %s\n", patterns[p]);
            bad = 1;
        }
        total_bt += bt_steps;
        printf("%-18s states=%3d found=%3d full=%3d starts=%4d ends=%5d nfa=%7llu bt=%7ld\n",
               patterns[p], nst, nsearch, nfull, startsum, endsum, (unsigned long long)nfa_steps,
               bt_steps);
        h = mix32(mix32(mix32(h, (uint32_t)nst), (uint32_t)nfa_steps), (uint32_t)bt_steps);
    }

    int kn = (int)(sizeof known / sizeof known[0]);
    int kok = 0;
    for (int i = 0; i < kn; i++) {
        int root = parse_regex(known[i].re);
        int start = compile_regex(root);
        in_s = known[i].s;
        in_len = (int)strlen(known[i].s);
        int full = nfa_longest(start, 0) == in_len;
        if (full == known[i].full)
            kok++;
        else
            printf("FAIL known case %s on \"%s\"\n", known[i].re, known[i].s);
    }
    printf("known cases: %d/%d\ntotal backtracking steps: %ld\n", kok, kn, total_bt);
    bad |= kok != kn;
    h = mix32(h, (uint32_t)kok);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return bad;
}
