/* minilisp: the reader (text -> objects; integers, symbols, #t/#f, lists,
 * dotted pairs, 'quote, ; comments) and the printer (objects -> text). */
#include "lisp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_put(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            printf("FAIL out of memory\n");
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static int is_delim(int c) {
    return c == '\0' || c == '(' || c == ')' || c == '\'' || c == ';' || c == ' ' || c == '\t' ||
           c == '\n' || c == '\r';
}

static void skip_space(Reader *r) {
    for (;;) {
        char c = r->s[r->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            r->pos++;
        } else if (c == ';') {
            while (r->s[r->pos] && r->s[r->pos] != '\n')
                r->pos++;
        } else {
            return;
        }
    }
}

static Obj *read_atom(Reader *r) {
    char tok[64];
    size_t n = 0;
    while (!is_delim((unsigned char)r->s[r->pos])) {
        if (n + 1 >= sizeof tok)
            lisp_error("token too long");
        tok[n++] = r->s[r->pos++];
    }
    tok[n] = '\0';
    if (strcmp(tok, "#t") == 0)
        return True;
    if (strcmp(tok, "#f") == 0)
        return Nil;
    size_t i = (tok[0] == '-' || tok[0] == '+') && n > 1 ? 1 : 0;
    int numeric = i < n;
    for (size_t k = i; k < n; k++)
        numeric &= tok[k] >= '0' && tok[k] <= '9';
    if (!numeric)
        return intern(tok);
    uint64_t mag = 0;
    for (size_t k = i; k < n; k++) {
        uint64_t d = (uint64_t)(tok[k] - '0');
        if (mag > ((uint64_t)INT64_MAX - d) / 10)
            lisp_error("integer literal out of range: %s", tok);
        mag = mag * 10 + d;
    }
    return make_int(tok[0] == '-' ? -(int64_t)mag : (int64_t)mag);
}

static Obj *read_list(Reader *r) {
    Obj *head = Nil, *tail = Nil, *item = NULL;
    int base = gc_nroots;
    int eof = 0;
    PUSH_ROOT(head);
    PUSH_ROOT(item);
    for (;;) {
        skip_space(r);
        char c = r->s[r->pos];
        if (c == '\0')
            lisp_error("unexpected end of input in list");
        if (c == ')') {
            r->pos++;
            break;
        }
        if (c == '.' && is_delim((unsigned char)r->s[r->pos + 1])) {
            r->pos++;
            if (head == Nil)
                lisp_error("dot at start of list");
            item = read_form(r, &eof);
            tail->u.cons.cdr = item;
            skip_space(r);
            if (r->s[r->pos] != ')')
                lisp_error("expected ')' after dotted tail");
            r->pos++;
            break;
        }
        item = read_form(r, &eof);
        if (eof)
            lisp_error("unexpected end of input in list");
        Obj *cell = cons(item, Nil);
        if (head == Nil)
            head = cell;
        else
            tail->u.cons.cdr = cell;
        tail = cell;
    }
    gc_nroots = base;
    return head;
}

Obj *read_form(Reader *r, int *eof) {
    skip_space(r);
    char c = r->s[r->pos];
    *eof = 0;
    if (c == '\0') {
        *eof = 1;
        return Nil;
    }
    if (c == '(') {
        r->pos++;
        return read_list(r);
    }
    if (c == ')')
        lisp_error("unexpected ')'");
    if (c == '\'') {
        r->pos++;
        Obj *q = read_form(r, eof);
        if (*eof)
            lisp_error("quote at end of input");
        q = cons(q, Nil);
        return cons(intern("quote"), q);
    }
    return read_atom(r);
}

void print_obj(Buf *b, Obj *x) {
    char tmp[32];
    switch (x->type) {
    case T_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)x->u.ival);
        buf_str(b, tmp);
        return;
    case T_SYM:
        buf_str(b, x->u.sym.name);
        return;
    case T_NIL:
        buf_str(b, "()");
        return;
    case T_TRUE:
        buf_str(b, "#t");
        return;
    case T_PRIM:
        buf_str(b, "#<primitive ");
        buf_str(b, x->u.prim.name);
        buf_str(b, ">");
        return;
    case T_CLOSURE:
        buf_str(b, "#<closure>");
        return;
    case T_CONS:
        break;
    default:
        buf_str(b, "#<freed>");
        return;
    }
    buf_str(b, "(");
    for (;;) {
        print_obj(b, x->u.cons.car);
        x = x->u.cons.cdr;
        if (x->type != T_CONS)
            break;
        buf_str(b, " ");
    }
    if (x != Nil) {
        buf_str(b, " . ");
        print_obj(b, x);
    }
    buf_str(b, ")");
}
