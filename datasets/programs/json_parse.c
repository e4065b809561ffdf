/* json_parse.c - a JSON parser (escapes, \uXXXX surrogate pairs to validated
 * UTF-8, numbers as text plus int64 when integral) building a tree, and a
 * compact/pretty/ASCII-only serializer.  Generated documents make parse ->
 * serialize -> parse round trips; malformed inputs must be rejected.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define NUM_DOCS 700

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };
enum { MODE_COMPACT, MODE_PRETTY, MODE_ASCII };

/* Two-character escapes: letter after the backslash and the byte it means. */
static const char ESC_LETTERS[] = "\"\\/bfnrt";
static const char ESC_CHARS[] = "\"\\/\b\f\n\r\t";

static const char *const WORDS[3] = {"null", "false", "true"}; /* J_NULL..J_TRUE */

typedef struct Node Node;
typedef struct { Node *val; char *key; size_t keylen; } Member; /* key: objects only */
struct Node {
    int type, is_int; /* is_int: a number that is integral and fits in int64 */
    int64_t ival;
    char *str;        /* string bytes (UTF-8, may hold NUL) or number text */
    size_t len;
    int n, cap;       /* children of arrays and objects */
    Member *kid;
};

typedef struct { char *p; size_t n, cap; } Buf;

static uint32_t rng_state = 0x7F4A7C15u;

static uint32_t rng(uint32_t n) {
    uint32_t x = rng_state;
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    return (rng_state = x) % n;
}

static uint32_t fnv(uint32_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x01000193u;
    return h;
}

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    return q;
}

static void buf_put(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_ch(Buf *b, char c) { buf_put(b, &c, 1); }
static void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* Formatted append for short items (escapes, numbers, indentation). */
static void buf_fmt(Buf *b, const char *fmt, ...) {
    char tmp[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_put(b, tmp, n < 0 ? 0 : n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int utf8_encode(uint32_t cp, char *out) {
    static const unsigned char lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
    int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (int i = len - 1; i > 0; i--, cp >>= 6)
        out[i] = (char)(0x80 | (cp & 0x3F));
    out[0] = (char)(lead[len] | cp);
    return len;
}

/* Decodes one well-formed UTF-8 sequence; returns its length or 0. */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    int len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
              : s[0] >= 0xF0 && s[0] < 0xF5 ? 4 : 0;
    if (len == 0 || (size_t)len > n)
        return 0;
    uint32_t c = len == 1 ? s[0] : (uint32_t)s[0] & (0x7Fu >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min_cp[len] || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
        return 0;
    *cp = c;
    return len;
}

typedef struct { const char *s, *err; size_t n, pos; int depth; } Parser;

static char *dup_bytes(const char *s, size_t n) {
    char *d = memcpy(xrealloc(NULL, n + 1), s, n);
    d[n] = '\0';
    return d;
}

static Node *new_node(int type) {
    Node *nd = memset(xrealloc(NULL, sizeof *nd), 0, sizeof *nd);
    nd->type = type;
    return nd;
}

static void free_node(Node *nd) {
    if (!nd)
        return;
    for (int i = 0; i < nd->n; i++) {
        free_node(nd->kid[i].val);
        free(nd->kid[i].key);
    }
    free(nd->kid);
    free(nd->str);
    free(nd);
}

static int peek(Parser *p) { return p->pos < p->n ? (unsigned char)p->s[p->pos] : -1; }

static void skip_ws(Parser *p) {
    while (p->pos < p->n && memchr(" \t\n\r", p->s[p->pos], 4))
        p->pos++;
}

static int fail(Parser *p, const char *msg) {
    p->err = p->err ? p->err : msg; /* keep the first error */
    return 0;
}

static int hex4(Parser *p, uint32_t *out) {
    static const char digits[] = "0123456789abcdef0123456789ABCDEF";
    *out = 0;
    for (int i = 0; i < 4; i++, p->pos++) {
        const char *d = p->pos < p->n && p->s[p->pos] ? strchr(digits, p->s[p->pos]) : NULL;
        if (!d)
            return fail(p, "bad \\u escape");
        *out = *out * 16 + (uint32_t)((d - digits) & 15);
    }
    return 1;
}

/* Parses a string literal at p->pos into out (raw decoded bytes). */
static int parse_string(Parser *p, Buf *out) {
    char tmp[4];
    out->n = 0;
    buf_put(out, "", 0);
    p->pos++; /* opening quote */
    int c;
    while ((c = peek(p)) != '"') {
        uint32_t cp, lo;
        if (c < 0x20) /* also the end of input */
            return fail(p, c < 0 ? "unterminated string" : "control character in string");
        int len = c < 0x80 ? 1 : utf8_decode((const unsigned char *)p->s + p->pos, p->n - p->pos, &cp);
        if (!len)
            return fail(p, "invalid UTF-8");
        if (c != '\\') { /* a plain byte or a whole UTF-8 sequence */
            buf_put(out, p->s + p->pos, (size_t)len);
            p->pos += (size_t)len;
            continue;
        }
        c = p->pos + 1 < p->n ? (unsigned char)p->s[p->pos + 1] : -1;
        p->pos += 2;
        const char *simple = c > 0 ? strchr(ESC_LETTERS, c) : NULL;
        if (simple) {
            buf_ch(out, ESC_CHARS[simple - ESC_LETTERS]);
        } else if (c == 'u') {
            if (!hex4(p, &cp))
                return 0;
            if (cp >= 0xDC00 && cp < 0xE000)
                return fail(p, "lone low surrogate");
            if (cp >= 0xD800 && cp < 0xDC00) { /* a low surrogate must follow */
                if (p->pos + 2 > p->n || memcmp(p->s + p->pos, "\\u", 2) != 0)
                    return fail(p, "lone high surrogate");
                p->pos += 2;
                if (!hex4(p, &lo) || lo < 0xDC00 || lo >= 0xE000)
                    return fail(p, "bad low surrogate");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            buf_put(out, tmp, (size_t)utf8_encode(cp, tmp));
        } else {
            return fail(p, "bad escape");
        }
    }
    p->pos++;
    return 1;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static size_t skip_digits(Parser *p) {
    size_t start = p->pos;
    while (is_digit(peek(p)))
        p->pos++;
    return p->pos - start;
}

static Node *parse_number(Parser *p) {
    size_t start = p->pos;
    int neg = peek(p) == '-', integral = 1, overflow = 0;
    uint64_t mag = 0;
    p->pos += (size_t)neg;
    if (!is_digit(peek(p)))
        goto bad;
    if (peek(p) == '0')
        p->pos++; /* a leading zero stands alone */
    else
        for (; is_digit(peek(p)); p->pos++) {
            uint64_t d = (uint64_t)(peek(p) - '0');
            overflow |= mag > (UINT64_MAX - d) / 10;
            mag = overflow ? mag : mag * 10 + d;
        }
    if (peek(p) == '.') {
        integral = 0;
        p->pos++;
        if (!skip_digits(p))
            goto bad;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        integral = 0;
        p->pos++;
        p->pos += (size_t)(peek(p) == '+' || peek(p) == '-');
        if (!skip_digits(p))
            goto bad;
    }
    Node *nd = new_node(J_NUM);
    nd->len = p->pos - start;
    nd->str = dup_bytes(p->s + start, nd->len);
    const uint64_t lim = (uint64_t)INT64_MAX;
    if (integral && !overflow && (neg ? mag <= lim + 1 : mag <= lim)) {
        nd->is_int = 1;
        nd->ival = !neg ? (int64_t)mag : mag == lim + 1 ? INT64_MIN : -(int64_t)mag;
    }
    return nd;
bad:
    fail(p, "malformed number");
    return NULL;
}

static void add_child(Node *nd, Node *val, const Buf *key) {
    if (nd->n == nd->cap) {
        nd->cap = nd->cap ? nd->cap * 2 : 4;
        nd->kid = xrealloc(nd->kid, (size_t)nd->cap * sizeof *nd->kid);
    }
    nd->kid[nd->n++] = (Member){val, key ? dup_bytes(key->p, key->n) : NULL, key ? key->n : 0};
}

static Node *parse_value(Parser *p, Buf *scratch);

static int expect(Parser *p, int c, const char *msg) {
    skip_ws(p);
    if (peek(p) != c)
        return fail(p, msg);
    p->pos++;
    return 1;
}

static Node *parse_container(Parser *p, Buf *scratch) {
    int obj = peek(p) == '{', close = obj ? '}' : ']';
    Node *nd = new_node(obj ? J_OBJ : J_ARR);
    Buf key = {NULL, 0, 0};
    int ok = ++p->depth <= MAX_DEPTH || fail(p, "nesting too deep");
    p->pos++;
    skip_ws(p);
    if (ok && peek(p) == close)
        p->pos++;
    else
        while (ok) {
            skip_ws(p);
            if (obj)
                ok = (peek(p) == '"' || fail(p, "key expected")) && parse_string(p, &key) &&
                     expect(p, ':', "':' expected");
            Node *kid = ok ? parse_value(p, scratch) : NULL;
            if ((ok = kid != NULL) == 0)
                break;
            add_child(nd, kid, obj ? &key : NULL);
            skip_ws(p);
            if (peek(p) == close) {
                p->pos++;
                break;
            }
            ok = expect(p, ',', "',' or close expected");
        }
    free(key.p);
    p->depth--;
    if (ok)
        return nd;
    free_node(nd);
    return NULL;
}

static Node *parse_value(Parser *p, Buf *scratch) {
    skip_ws(p);
    int c = peek(p);
    if (c == '{' || c == '[')
        return parse_container(p, scratch);
    if (c == '"') {
        if (!parse_string(p, scratch))
            return NULL;
        Node *nd = new_node(J_STR);
        nd->len = scratch->n;
        nd->str = dup_bytes(scratch->p, scratch->n);
        return nd;
    }
    if (c == '-' || is_digit(c))
        return parse_number(p);
    for (int t = 0; t < 3; t++) {
        size_t wl = strlen(WORDS[t]);
        if (p->n - p->pos >= wl && memcmp(p->s + p->pos, WORDS[t], wl) == 0) {
            p->pos += wl;
            return new_node(t); /* J_NULL, J_FALSE, J_TRUE */
        }
    }
    fail(p, c < 0 ? "unexpected end" : "unexpected character");
    return NULL;
}

static Node *parse_json(const char *s, size_t n, const char **err, size_t *errpos) {
    Parser p = {s, NULL, n, 0, 0};
    Buf scratch = {NULL, 0, 0};
    Node *root = parse_value(&p, &scratch);
    free(scratch.p);
    skip_ws(&p);
    if (root && p.pos != n && !fail(&p, "trailing characters")) {
        free_node(root);
        root = NULL;
    }
    *err = p.err;
    *errpos = p.pos;
    return root;
}

static void put_string(Buf *b, const char *s, size_t n, int ascii) {
    buf_ch(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = c ? strchr(ESC_CHARS, c) : NULL;
        if (e && e - ESC_CHARS != 2) { /* '/' is not escaped on output */
            buf_ch(b, '\\');
            buf_ch(b, ESC_LETTERS[e - ESC_CHARS]);
        } else if (c < 0x20) {
            buf_fmt(b, "\\u%04x", (unsigned)c);
        } else if (c < 0x80 || !ascii) {
            buf_ch(b, (char)c);
        } else {
            uint32_t cp = 0;
            int len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
            i += len ? (size_t)len - 1 : 0; /* tree strings are valid UTF-8 */
            if (cp >= 0x10000) /* UTF-16 surrogate pair */
                buf_fmt(b, "\\u%04x\\u%04x", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
                        (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
            else
                buf_fmt(b, "\\u%04x", (unsigned)cp);
        }
    }
    buf_ch(b, '"');
}

static void serialize(Buf *b, const Node *nd, int mode, int level) {
    switch (nd->type) {
    case J_NUM: buf_put(b, nd->str, nd->len); return;
    case J_STR: put_string(b, nd->str, nd->len, mode == MODE_ASCII); return;
    case J_ARR: case J_OBJ: break;
    default: buf_str(b, WORDS[nd->type]); return;
    }
    int obj = nd->type == J_OBJ;
    buf_ch(b, obj ? '{' : '[');
    for (int i = 0; i < nd->n; i++) {
        if (i)
            buf_ch(b, ',');
        if (mode == MODE_PRETTY)
            buf_fmt(b, "\n%*s", 2 * level + 2, "");
        if (obj) {
            put_string(b, nd->kid[i].key, nd->kid[i].keylen, mode == MODE_ASCII);
            buf_str(b, mode == MODE_PRETTY ? ": " : ":");
        }
        serialize(b, nd->kid[i].val, mode, level + 1);
    }
    if (mode == MODE_PRETTY && nd->n)
        buf_fmt(b, "\n%*s", 2 * level, "");
    buf_ch(b, obj ? '}' : ']');
}

static int json_equal(const Node *a, const Node *b) {
    if (a->type != b->type || a->n != b->n || a->len != b->len || a->is_int != b->is_int ||
        a->ival != b->ival || (a->len && memcmp(a->str, b->str, a->len) != 0))
        return 0;
    for (int i = 0; i < a->n; i++) {
        const Member *x = &a->kid[i], *y = &b->kid[i];
        if (x->keylen != y->keylen || (x->key && memcmp(x->key, y->key, x->keylen) != 0) ||
            !json_equal(x->val, y->val))
            return 0;
    }
    return 1;
}

typedef struct { long count[7]; int max_depth; uint64_t str_bytes, int_sum; uint32_t key_hash; } Stats;

static void collect(const Node *nd, int depth, Stats *st) {
    st->count[nd->type]++;
    st->max_depth = depth > st->max_depth ? depth : st->max_depth;
    st->str_bytes += nd->type == J_STR ? nd->len : 0;
    st->int_sum += nd->is_int ? (uint64_t)nd->ival : 0;
    for (int i = 0; i < nd->n; i++) {
        st->key_hash = fnv(st->key_hash, nd->kid[i].key, nd->kid[i].keylen);
        collect(nd->kid[i].val, depth + 1, st);
    }
}

static void gen_ws(Buf *b) {
    while (rng(4) == 0)
        buf_ch(b, " \t\n\r"[rng(4)]);
}

static void gen_string(Buf *b, int maxlen) {
    char tmp[4];
    int len = (int)rng((uint32_t)maxlen + 1);
    gen_ws(b);
    buf_ch(b, '"');
    for (int i = 0; i < len; i++) {
        uint32_t k = rng(20), cp;
        if (k < 12) {
            buf_ch(b, (char)('a' + rng(26)));
        } else if (k < 14) {
            buf_ch(b, '\\');
            buf_ch(b, ESC_LETTERS[rng(8)]);
        } else if (k < 16) { /* \u escape of a BMP non-surrogate code point */
            cp = rng(2) ? rng(0xD800) : 0xE000 + rng(0x2000);
            buf_fmt(b, rng(2) ? "\\u%04x" : "\\u%04X", (unsigned)cp);
        } else if (k < 17) { /* surrogate pair */
            cp = 0x10000 + rng(0x100000);
            buf_fmt(b, "\\u%04x\\u%04x", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
                    (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
        } else { /* raw UTF-8: 2, 3 or 4 bytes */
            static const uint32_t lo[3] = {0x80, 0x800, 0x10000}, span[3] = {0x780, 0xD000, 0xFFFFF};
            uint32_t w = rng(3);
            cp = lo[w] + rng(span[w]);
            buf_put(b, tmp, (size_t)utf8_encode(cp, tmp));
        }
    }
    buf_ch(b, '"');
}

static void gen_number(Buf *b) {
    static const char *const fixed[] = {"0", "-0", "9223372036854775807", "-9223372036854775808",
                                        "9223372036854775808", "123456789012345678901234567890",
                                        "1e5", "2.5E-3", "-0.0", "6.02214076e+23"};
    static const char *const expo[] = {"", "", "", "e5", "E-3", "e+12", "E+0", "e-07"};
    /* Draw in a fixed order: argument evaluation order is unspecified. */
    uint32_t k = rng(10), neg = rng(3) == 0, ip = rng(1000000), fw = 1 + rng(4), fp = rng(1000);
    if (k == 0)
        buf_str(b, fixed[ip % 10]);
    else if (k < 6)
        buf_fmt(b, "%s%u", neg ? "-" : "", (unsigned)ip);
    else
        buf_fmt(b, "%s%u.%0*u%s", neg ? "-" : "", (unsigned)(ip % 1000), (int)fw, (unsigned)fp,
                expo[rng(8)]);
}

static void gen_value(Buf *b, int depth) {
    uint32_t k = depth == 0 ? rng(4) : depth >= 6 ? 4 + rng(8) : rng(12);
    gen_ws(b);
    if (k < 4) {
        int obj = k < 2, n = (int)rng(depth == 0 ? 12 : 7);
        buf_ch(b, obj ? '{' : '[');
        for (int i = 0; i < n; i++) {
            if (i)
                buf_ch(b, ',');
            if (obj) {
                gen_string(b, 8);
                buf_ch(b, ':');
            }
            gen_value(b, depth + 1);
        }
        gen_ws(b);
        buf_ch(b, obj ? '}' : ']');
    } else if (k < 7) {
        gen_string(b, 24);
    } else if (k < 10) {
        gen_number(b);
    } else {
        buf_str(b, k == 10 ? "null" : rng(2) ? "true" : "false");
    }
    gen_ws(b);
}

/* Fixed cases: input and its ASCII serialization, or NULL if invalid. */
static const char *const cases[][2] = {
    {"0", "0"}, {" -0 ", "-0"}, {"1E5", "1E5"}, {"[ ]", "[]"}, {"{ }", "{}"},
    {"\"\\u00e9\\u20AC\"", "\"\\u00e9\\u20ac\""}, {"\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\""},
    {" [ 1 , 2 , {\"k\" : null} ] ", "[1,2,{\"k\":null}]"}, {"\"a\\/b\\u0000c\"", "\"a/b\\u0000c\""},
    {"[true,false,null,-12.5e-3]", "[true,false,null,-12.5e-3]"}, {"", NULL}, {"[1,]", NULL},
    {"{\"a\" 1}", NULL}, {"01", NULL}, {"1.", NULL}, {".5", NULL}, {"-", NULL}, {"\"\\x\"", NULL},
    {"\"\\ud800\"", NULL}, {"[1 2]", NULL}, {"\"\\udc00x\"", NULL}, {"tru", NULL}, {"nul", NULL},
    {"\"abc", NULL}, {"{,}", NULL}, {"[", NULL}, {"\"\t\"", NULL}, {"1e", NULL}, {"--1", NULL},
    {"{\"a\":1,}", NULL}, {"[1]]", NULL}, {"{1:2}", NULL}, {"{\"a\":}", NULL}, {"[\"\\u12g4\"]", NULL},
    {"\"\xC0\xAF\"", NULL}, {"\"\xED\xA0\x80\"", NULL}, {"\"\xF4\x90\x80\x80\"", NULL},
};

int main(void) {
    enum { TEXT, S1, S2, PRETTY, ASCII, NBUF };
    Buf b[NBUF] = {{NULL, 0, 0}};
    uint64_t bytes[NBUF] = {0};
    Stats st = {{0}, 0, 0, 0, 2166136261u};
    int bad = 0;
    uint32_t h = 0x12345u;
    const char *err; /* parse error message and position */
    size_t epos;

    for (int d = 0; d < NUM_DOCS; d++) {
        for (int i = 0; i < NBUF; i++)
            b[i].n = 0;
        gen_value(&b[TEXT], 0);
        Node *t[4] = {parse_json(b[TEXT].p, b[TEXT].n, &err, &epos), NULL, NULL, NULL};
        if (!t[0]) {
            printf("FAIL doc %d: %s at %zu\n", d, err, epos);
            bad = 1;
            continue;
        }
        serialize(&b[S1], t[0], MODE_COMPACT, 0);
        serialize(&b[PRETTY], t[0], MODE_PRETTY, 0);
        serialize(&b[ASCII], t[0], MODE_ASCII, 0);
        int ok = 1;
        for (int k = 1; k < 4; k++) { /* reparse each serialization */
            const Buf *src = &b[k == 1 ? S1 : k == 2 ? PRETTY : ASCII];
            t[k] = parse_json(src->p, src->n, &err, &epos);
            ok = ok && t[k] && json_equal(t[0], t[k]);
        }
        if (ok) {
            serialize(&b[S2], t[1], MODE_COMPACT, 0);
            ok = b[S1].n == b[S2].n && memcmp(b[S1].p, b[S2].p, b[S1].n) == 0;
        }
        for (size_t i = 0; ok && i < b[ASCII].n; i++)
            ok = (unsigned char)b[ASCII].p[i] < 0x80;
        if (!ok) {
            printf("FAIL doc %d: round trip mismatch\n", d);
            bad = 1;
        }
        collect(t[0], 0, &st);
        for (int i = 0; i < NBUF; i++)
            bytes[i] += b[i].n;
        h = fnv(h, b[S1].p, b[S1].n);
        for (int k = 0; k < 4; k++)
            free_node(t[k]);
    }
    printf("docs=%d bytes: input=%llu compact=%llu pretty=%llu ascii=%llu\n", NUM_DOCS,
           (unsigned long long)bytes[TEXT], (unsigned long long)bytes[S1],
           (unsigned long long)bytes[PRETTY], (unsigned long long)bytes[ASCII]);
    printf("nodes: null=%ld false=%ld true=%ld num=%ld str=%ld arr=%ld obj=%ld max_depth=%d\n"
           "string bytes=%llu int sum=%llu key hash=0x%08x\n", st.count[0], st.count[1], st.count[2],
           st.count[3], st.count[4], st.count[5], st.count[6], st.max_depth,
           (unsigned long long)st.str_bytes, (unsigned long long)st.int_sum, (unsigned)st.key_hash);

    /* Fixed cases, plus nesting just below and just above the depth limit. */
    int passed = 0, ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < ncases + 2; i++) {
        int deep = i - ncases; /* 0: MAX_DEPTH levels, 1: one more */
        b[TEXT].n = b[S1].n = 0;
        for (int k = 0; deep >= 0 && k < 2 * (MAX_DEPTH + deep); k++)
            buf_ch(&b[TEXT], k < MAX_DEPTH + deep ? '[' : ']');
        const char *in = deep >= 0 ? b[TEXT].p : cases[i][0];
        const char *want = deep == 0 ? b[TEXT].p : deep > 0 ? NULL : cases[i][1];
        Node *t = parse_json(in, strlen(in), &err, &epos);
        if (t)
            serialize(&b[S1], t, MODE_ASCII, 0);
        if (t ? want && strcmp(b[S1].p, want) == 0 : !want) {
            passed++;
            h = (h ^ (uint32_t)epos) * 0x01000193u;
        } else {
            printf("FAIL fixed case %d\n", i);
            bad = 1;
        }
        free_node(t);
    }
    printf("fixed cases passed: %d/%d\n", passed, ncases + 2);

    for (int i = 0; i < NBUF; i++)
        free(b[i].p);
    h = (h ^ (uint32_t)st.int_sum ^ st.key_hash ^ (uint32_t)(bytes[S1] + bytes[PRETTY])) * 16777619u;
    printf("checksum: 0x%08x\n", (unsigned)h);
    return bad;
}
