/* strings_tokenizer.c - a lexer for a C-like language run over generated
 * source text (identifiers, keywords by binary search in a sorted table,
 * an open-addressing identifier frequency table, decimal/hex numbers,
 * string and char literals with escapes, maximal-munch operators, line and
 * block comments) and token statistics, plus an integer expression
 * evaluator: recursive descent vs shunting-yard vs the generator's own
 * value, all in wrapping unsigned 64-bit arithmetic.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRC_CAP (640 * 1024)
#define EXPR_CAP 4096
#define ID_TABLE 4096
#define NUM_EXPRS 3000

enum Kind { T_IDENT, T_KEYWORD, T_NUMBER, T_STRING, T_CHAR, T_OP, T_COMMENT, T_EOF, NKINDS };
static const char *const kind_names[NKINDS] = {"ident", "keyword", "number", "string",
                                              "char", "op", "comment", "eof"};

typedef struct {
    enum Kind kind;
    size_t start, len;
    uint64_t value; /* number value, decoded-literal hash, keyword or operator index */
} Token;

typedef struct { size_t start; uint32_t len, count; } IdEntry;
typedef struct { char *buf; size_t len, cap; } Text;

static char src_store[SRC_CAP], expr_store[EXPR_CAP];
static Text src = {src_store, 0, SRC_CAP}, expr = {expr_store, 0, EXPR_CAP};
static IdEntry id_table[ID_TABLE];
static uint32_t kw_counts[64];

static const char *const keywords[] = {
    "auto",    "break",    "case",     "char",   "const",    "continue", "default", "do",
    "double",  "else",     "enum",     "extern", "float",    "for",      "goto",    "if",
    "inline",  "int",      "long",     "register", "restrict", "return", "short",   "signed",
    "sizeof",  "static",   "struct",   "switch", "typedef",  "union",    "unsigned", "void",
    "volatile", "while"};
#define NKW ((int)(sizeof keywords / sizeof keywords[0]))

/* Longest first, so the first match is the maximal munch. */
static const char *const operators[] = {
    ">>=", "<<=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "+=",  "-=",  "*=",  "/=", "%=", "&=", "|=", "^=", "+",  "-",  "*",  "/",  "%",  "<",
    ">",   "=",   "!",   "&",  "|",  "^",  "~",  "?",  ":",  ";",  ",",  ".",  "(",  ")",
    "{",   "}",   "[",   "]"};
#define NOPS ((int)(sizeof operators / sizeof operators[0]))

static uint32_t rng_state = 0xC0DEC0DEu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t pick(uint32_t n) { return rng_next() % n; }

static void put(Text *t, const char *s) {
    size_t n = strlen(s);
    if (t->len + n < t->cap) {
        memcpy(t->buf + t->len, s, n);
        t->len += n;
        t->buf[t->len] = '\0';
    }
}

/* ------------------------- arithmetic on wrapping u64 ------------------------- */
typedef uint64_t (*BinFn)(uint64_t, uint64_t);
static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static uint64_t op_sub(uint64_t a, uint64_t b) { return a - b; }
static uint64_t op_mul(uint64_t a, uint64_t b) { return a * b; }
static uint64_t op_div(uint64_t a, uint64_t b) { return b ? a / b : 0; }
static uint64_t op_mod(uint64_t a, uint64_t b) { return b ? a % b : 0; }
static uint64_t op_and(uint64_t a, uint64_t b) { return a & b; }
static uint64_t op_or(uint64_t a, uint64_t b) { return a | b; }
static uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ b; }
static uint64_t op_shl(uint64_t a, uint64_t b) { return a << (b & 63u); }

typedef struct {
    char sym; /* '<' stands for "<<" */
    int prec;
    BinFn fn;
} BinOp;

static const BinOp binops[] = {{'|', 1, op_or},  {'^', 2, op_xor}, {'&', 3, op_and},
                               {'<', 4, op_shl}, {'+', 5, op_add}, {'-', 5, op_sub},
                               {'*', 6, op_mul}, {'/', 6, op_div}, {'%', 6, op_mod}};
#define NBIN ((int)(sizeof binops / sizeof binops[0]))

static const BinOp *find_binop(char c) {
    for (int i = 0; i < NBIN; i++)
        if (binops[i].sym == c)
            return &binops[i];
    return NULL;
}

/* Emits a random expression (binary ops parenthesised) and returns its value. */
static uint64_t gen_expr(Text *out, int depth) {
    if (depth == 0 || pick(4) == 0) {
        char b[16];
        uint32_t v = pick(3) ? pick(100) : rng_next();
        snprintf(b, sizeof b, "%u", (unsigned)v);
        put(out, b);
        return v;
    }
    if (pick(6) == 0) {
        put(out, "-(");
        uint64_t v = gen_expr(out, depth - 1);
        put(out, ")");
        return 0u - v;
    }
    const BinOp *op = &binops[pick(NBIN)];
    char ob[5] = {' ', op->sym, ' ', 0, 0};
    if (op->sym == '<')
        memcpy(ob, " << ", 5);
    put(out, "(");
    uint64_t a = gen_expr(out, depth - 1);
    put(out, ob);
    uint64_t b = gen_expr(out, depth - 1);
    put(out, ")");
    return op->fn(a, b);
}

/* ------------------------------ source generation ------------------------------ */
static void emit_ident(void) {
    static const char *const stems[] = {"count", "idx", "buf", "node", "len", "tmp", "value",
                                        "ptr",   "acc", "key", "lo",   "hi",  "state"};
    char b[32];
    const char *stem = stems[pick(13)];
    unsigned suffix = pick(4) == 0 ? pick(100) : pick(3);
    snprintf(b, sizeof b, "%s%u", stem, suffix);
    put(&src, b);
}

/* Statement templates: '@' identifier, '#' arithmetic expression, '$' hex
 * constant. The last NBLOCK templates open a nested block. */
static const char *const templates[] = {
    "unsigned long @ = #;",
    "static const int @ = (#) * sizeof(struct node);",
    "@ += # - p->@;",
    "printf(\"fmt %d\\n\\t\\\"q\\\" \\x41\\\\\", @, '\\n'); // trailing \"comment\"",
    "@[i] <<= $; --s[0]; q = a ? b : 'z'; /* c * */",
    "return p->@ ^ $;",
    "if (@ == # && s != 0 || !ok) {",
    "while (@ >= $) {",
    "for (i = 0; i < @; ++i) {",
};
#define NTEMPL ((uint32_t)(sizeof templates / sizeof templates[0]))
#define NBLOCK 3u

static void indent_to(int n) {
    for (int i = 0; i < n; i++)
        put(&src, "    ");
}

static void emit_statement(int depth, int indent) {
    uint32_t k = pick(depth > 0 ? NTEMPL : NTEMPL - NBLOCK);
    indent_to(indent);
    for (const char *p = templates[k]; *p; p++) {
        char b[16] = {*p, 0};
        if (*p == '@')
            emit_ident();
        else if (*p == '#')
            gen_expr(&src, 3);
        else if (*p == '$')
            snprintf(b, sizeof b, "0x%X", (unsigned)rng_next());
        if (*p != '@' && *p != '#')
            put(&src, b);
    }
    put(&src, "\n");
    if (k >= NTEMPL - NBLOCK) {
        for (int n = (int)pick(4) + 1; n > 0; n--)
            emit_statement(depth - 1, indent + 1);
        indent_to(indent);
        put(&src, "}\n");
    }
}

static void generate_source(void) {
    while (src.len + 8192 < SRC_CAP) {
        put(&src, "/* function block\n * with a multi-line comment */\nstatic int ");
        emit_ident();
        put(&src, "(struct node *p, char *s, ...) {\n");
        for (int n = (int)pick(6) + 2; n > 0; n--)
            emit_statement(3, 1);
        put(&src, "}\n\n");
    }
}

static uint32_t str_hash(const char *s, size_t n) {
    uint32_t h = (uint32_t)n * 2654435761u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 0x01000193u;
    return h;
}

typedef struct { const char *s; size_t n; } Word; /* not NUL-terminated */

static int kw_compare(const void *key, const void *elem) {
    const Word *w = key;
    const char *kw = *(const char *const *)elem;
    int c = strncmp(w->s, kw, w->n); /* w->s has no NUL in its first n bytes */
    return (c == 0 && kw[w->n] != '\0') ? -1 : c; /* proper prefix sorts first */
}

static int kw_lookup(const char *s, size_t n) {
    Word w = {s, n};
    const char *const *hit = bsearch(&w, keywords, NKW, sizeof keywords[0], kw_compare);
    return hit ? (int)(hit - keywords) : -1;
}

/* ----------------------------------- lexer ----------------------------------- */
static int hex_val(int c) {
    int l = c | 32; /* ASCII lower case */
    return isdigit(c) ? c - '0' : (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
}

/* Decimal or 0x-prefixed hex literal; wraps modulo 2^64. */
static uint64_t parse_number(const char *s, size_t *pos) {
    size_t p = *pos;
    uint64_t v = 0;
    if (s[p] == '0' && (s[p + 1] == 'x' || s[p + 1] == 'X'))
        for (p += 2; hex_val(s[p]) >= 0; p++)
            v = v * 16u + (uint64_t)hex_val(s[p]);
    else
        for (; isdigit((unsigned char)s[p]); p++)
            v = v * 10u + (uint64_t)(s[p] - '0');
    *pos = p;
    return v;
}

/* Decodes a quoted literal starting after the opening quote; returns the
 * position after the closing quote, or 0 on error. Hashes decoded bytes. */
static size_t lex_quoted(const char *s, size_t p, char quote, uint64_t *hash, uint32_t *nbytes) {
    uint64_t h = 1469598103934665603u;
    uint32_t n = 0;
    while (s[p] && s[p] != quote && s[p] != '\n') {
        unsigned ch = (uint8_t)s[p++];
        if (ch == '\\') {
            char e = s[p++];
            switch (e) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case '0': ch = 0; break;
            case '\\': case '\'': case '"': ch = (uint8_t)e; break;
            case 'x':
                if (hex_val(s[p]) < 0)
                    return 0;
                ch = 0;
                for (int d = 0; d < 2 && hex_val(s[p]) >= 0; d++)
                    ch = ch * 16u + (unsigned)hex_val(s[p++]);
                break;
            default:
                return 0;
            }
        }
        h = (h ^ ch) * 1099511628211u;
        n++;
    }
    if (s[p] != quote)
        return 0;
    *hash = h;
    *nbytes = n;
    return p + 1;
}

static int lex_next(const char *s, size_t *pos, Token *t, int *line) {
    size_t p = *pos;
    for (; s[p] == ' ' || s[p] == '\t' || s[p] == '\n'; p++)
        *line += s[p] == '\n';
    t->start = p;
    t->value = 0;
    char c = s[p];
    if (c == '\0') {
        t->kind = T_EOF;
    } else if (c == '/' && s[p + 1] == '/') {
        while (s[p] && s[p] != '\n')
            p++;
        t->kind = T_COMMENT;
    } else if (c == '/' && s[p + 1] == '*') {
        for (p += 2; s[p] && !(s[p] == '*' && s[p + 1] == '/'); p++)
            *line += s[p] == '\n';
        if (!s[p])
            return 0;
        p += 2;
        t->kind = T_COMMENT;
    } else if (isalpha((unsigned char)c) || c == '_') {
        while (isalnum((unsigned char)s[p]) || s[p] == '_')
            p++;
        int kw = kw_lookup(s + t->start, p - t->start);
        t->kind = kw >= 0 ? T_KEYWORD : T_IDENT;
        t->value = (uint64_t)(kw >= 0 ? kw : 0);
    } else if (isdigit((unsigned char)c)) {
        t->kind = T_NUMBER;
        t->value = parse_number(s, &p);
    } else if (c == '"' || c == '\'') {
        uint32_t nb = 0;
        size_t end = lex_quoted(s, p + 1, c, &t->value, &nb);
        if (end == 0 || (c == '\'' && nb != 1))
            return 0;
        p = end;
        t->kind = c == '"' ? T_STRING : T_CHAR;
    } else {
        int found = -1;
        for (int i = 0; i < NOPS && found < 0; i++)
            if (strncmp(s + p, operators[i], strlen(operators[i])) == 0)
                found = i;
        if (found < 0)
            return 0;
        p += strlen(operators[found]);
        t->kind = T_OP;
        t->value = (uint64_t)found;
    }
    t->len = p - t->start;
    *pos = p;
    return 1;
}

static void count_ident(size_t start, uint32_t len) {
    uint32_t slot = str_hash(src.buf + start, len) & (ID_TABLE - 1);
    for (; id_table[slot].len; slot = (slot + 1) & (ID_TABLE - 1))
        if (id_table[slot].len == len &&
            memcmp(src.buf + id_table[slot].start, src.buf + start, len) == 0) {
            id_table[slot].count++;
            return;
        }
    id_table[slot] = (IdEntry){start, len, 1};
}

/* ----------------------------- expression parsing ----------------------------- */
static const char *rp; /* recursive-descent cursor */

static void skip_ws(void) {
    while (*rp == ' ')
        rp++;
}

static uint64_t parse_binary(int min_prec);

static uint64_t parse_unary(void) {
    skip_ws();
    if (*rp == '-') {
        rp++;
        return 0u - parse_unary();
    }
    if (*rp == '(') {
        rp++;
        uint64_t v = parse_binary(1);
        skip_ws();
        rp++; /* ')' */
        return v;
    }
    size_t p = 0;
    uint64_t v = parse_number(rp, &p);
    rp += p;
    return v;
}

/* Precedence climbing, left associative. */
static uint64_t parse_binary(int min_prec) {
    uint64_t lhs = parse_unary();
    for (;;) {
        skip_ws();
        const BinOp *op = find_binop(*rp);
        if (!op || op->prec < min_prec)
            return lhs;
        rp += op->sym == '<' ? 2 : 1;
        uint64_t rhs = parse_binary(op->prec + 1);
        lhs = op->fn(lhs, rhs);
    }
}

/* Shunting-yard with explicit stacks; 'n' marks a pending unary minus. */
static uint64_t shunting_yard(const char *s) {
    uint64_t vals[256];
    char ops[256];
    int nv = 0, no = 0, expect_operand = 1;
    for (size_t p = 0;;) {
        while (s[p] == ' ')
            p++;
        char c = s[p];
        if (expect_operand) {
            if (c == '(' || c == '-') {
                ops[no++] = c == '(' ? '(' : 'n';
                p++;
                continue;
            }
            vals[nv++] = parse_number(s, &p);
            expect_operand = 0;
            continue;
        }
        const BinOp *op = c ? find_binop(c) : NULL;
        int prec = op ? op->prec : 0;
        while (no > 0 && ops[no - 1] != '(') {
            if (ops[no - 1] == 'n') {
                vals[nv - 1] = 0u - vals[nv - 1];
                no--;
                continue;
            }
            const BinOp *top = find_binop(ops[no - 1]);
            if (top->prec < prec)
                break;
            vals[nv - 2] = top->fn(vals[nv - 2], vals[nv - 1]);
            nv--;
            no--;
        }
        if (c == '\0')
            return vals[0];
        if (c == ')') {
            no--; /* discard '(' */
            p++;
            continue;
        }
        ops[no++] = c;
        p += c == '<' ? 2 : 1;
        expect_operand = 1;
    }
}

static uint32_t mix32(uint32_t h, uint32_t v) { return (h ^ v) * 0x01000193u; }

int main(void) {
    int ok = 1, line = 1, ntok = 0;
    uint32_t h = 0x811c9dc5u, kinds[NKINDS] = {0};
    uint64_t num_sum = 0, lit_hash = 0;
    generate_source();

    Token t;
    for (size_t pos = 0;;) {
        if (!lex_next(src.buf, &pos, &t, &line)) {
            printf("FAIL lexer error at line %d\n", line);
            return 1;
        }
        kinds[t.kind]++;
        ntok++;
        if (t.kind == T_EOF)
            break;
        switch (t.kind) {
        case T_IDENT: count_ident(t.start, (uint32_t)t.len); break;
        case T_KEYWORD: kw_counts[t.value]++; break;
        case T_NUMBER: num_sum += t.value; break;
        case T_STRING: case T_CHAR: lit_hash ^= t.value + (uint64_t)t.start; break;
        default: break;
        }
        h = mix32(h, (uint32_t)t.kind ^ ((uint32_t)t.len << 4));
    }
    printf("source %zu bytes, %d lines, %d tokens\n", src.len, line, ntok);
    for (int k = 0; k < NKINDS; k++)
        printf("  %-8s %7u\n", kind_names[k], (unsigned)kinds[k]);
    printf("number sum %llu, literal hash 0x%016llx\n", (unsigned long long)num_sum,
           (unsigned long long)lit_hash);
    h = mix32(h, (uint32_t)num_sum ^ (uint32_t)(lit_hash >> 7));

    printf("top identifiers:"); /* ties broken by table slot */
    for (int r = 0; r < 4; r++) {
        int best = -1;
        for (int i = 0; i < ID_TABLE; i++)
            if (id_table[i].len && (best < 0 || id_table[i].count > id_table[best].count))
                best = i;
        printf(" %.*s=%u", (int)id_table[best].len, src.buf + id_table[best].start,
               (unsigned)id_table[best].count);
        h = mix32(h, id_table[best].count);
        id_table[best].count = 0;
    }
    printf("\nkeywords:");
    for (int k = 0; k < NKW; k++)
        if (kw_counts[k]) {
            printf(" %s=%u", keywords[k], (unsigned)kw_counts[k]);
            h = mix32(h, kw_counts[k]);
        }
    printf("\n");

    /* Expressions: generator value vs recursive descent vs shunting-yard. */
    int mismatches = 0;
    uint64_t acc = 0;
    size_t total_chars = 0;
    for (int i = 0; i < NUM_EXPRS; i++) {
        expr.len = 0;
        uint64_t expect = gen_expr(&expr, 2 + i % 6);
        rp = expr.buf;
        uint64_t rd = parse_binary(1);
        uint64_t sy = shunting_yard(expr.buf);
        mismatches += rd != expect || sy != expect;
        acc = acc * 31u + rd;
        total_chars += expr.len;
    }
    printf("expressions %d (%zu chars), mismatches %d, accumulator 0x%016llx\n", NUM_EXPRS,
           total_chars, mismatches, (unsigned long long)acc);
    if (mismatches) {
        printf("FAIL expression evaluators disagree\n");
        ok = 0;
    }
    h = mix32(h, (uint32_t)acc ^ (uint32_t)(acc >> 32));
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
