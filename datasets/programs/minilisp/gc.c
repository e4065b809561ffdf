/* minilisp: object heap in fixed-size chunks with a free list, a shadow
 * stack of GC roots, and a non-moving mark-sweep collector.  Freed cells are
 * poisoned (type T_FREE) so that a missing root shows up as a type error. */
#include "lisp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_CELLS 2048
#define SYM_BUCKETS 256

typedef struct Chunk {
    struct Chunk *next;
    Obj cells[CHUNK_CELLS];
} Chunk;

static Chunk *chunks;
static Obj *free_list;
static unsigned long nfree;
static Obj *symtab[SYM_BUCKETS];

typedef struct PrimBlock {
    struct PrimBlock *next;
    Obj obj;
} PrimBlock;
static PrimBlock *prims;

static Obj nil_obj = {T_NIL, 0, {0}}, true_obj = {T_TRUE, 0, {0}};
Obj *Nil = &nil_obj, *True = &true_obj;

Obj **gc_roots[ROOT_MAX];
int gc_nroots;
GcStats gc_stats;

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n, size);
    if (!p) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    return p;
}

void gc_push_root(Obj **slot) {
    if (gc_nroots >= ROOT_MAX)
        lisp_error("root stack overflow");
    gc_roots[gc_nroots++] = slot;
}

static void add_chunk(void) {
    Chunk *c = xcalloc(1, sizeof *c);
    c->next = chunks;
    chunks = c;
    for (int i = CHUNK_CELLS - 1; i >= 0; i--) {
        c->cells[i].type = T_FREE;
        c->cells[i].u.next_free = free_list;
        free_list = &c->cells[i];
    }
    nfree += CHUNK_CELLS;
    gc_stats.heap_cells += CHUNK_CELLS;
}

void gc_init(void) {
    add_chunk();
}

/* Marks x and everything reachable; iterative along cdr chains. */
static void mark(Obj *x) {
    while (x && !x->mark) {
        switch (x->type) {
        case T_INT:
            x->mark = 1;
            return;
        case T_CONS:
            x->mark = 1;
            mark(x->u.cons.car);
            x = x->u.cons.cdr;
            break;
        case T_CLOSURE:
            x->mark = 1;
            mark(x->u.clo.params);
            mark(x->u.clo.body);
            x = x->u.clo.env;
            break;
        case T_FREE:
            printf("FAIL gc: reachable object was freed\n");
            exit(1);
        default: /* symbols, primitives, constants: not in the heap */
            return;
        }
    }
}

void gc_collect(void) {
    gc_stats.collections++;
    for (int i = 0; i < gc_nroots; i++)
        mark(*gc_roots[i]);
    for (int b = 0; b < SYM_BUCKETS; b++)
        for (Obj *s = symtab[b]; s; s = s->u.sym.next)
            mark(s->u.sym.value);
    for (Chunk *c = chunks; c; c = c->next)
        for (int i = 0; i < CHUNK_CELLS; i++) {
            Obj *o = &c->cells[i];
            if (o->mark) {
                o->mark = 0;
            } else if (o->type != T_FREE) {
                memset(&o->u, 0, sizeof o->u);
                o->type = T_FREE;
                o->u.next_free = free_list;
                free_list = o;
                nfree++;
                gc_stats.freed++;
            }
        }
}

Obj *gc_alloc(int type) {
    if (!free_list) {
        gc_collect();
        /* Grow when less than a quarter of the heap came back. */
        if (nfree < gc_stats.heap_cells / 4 || !free_list)
            add_chunk();
    }
    Obj *o = free_list;
    free_list = o->u.next_free;
    nfree--;
    gc_stats.allocated++;
    o->type = (unsigned char)type;
    o->mark = 0;
    return o;
}

Obj *make_int(int64_t v) {
    Obj *o = gc_alloc(T_INT);
    o->u.ival = v;
    return o;
}

Obj *cons(Obj *a, Obj *b) {
    PUSH_ROOT(a);
    PUSH_ROOT(b);
    Obj *o = gc_alloc(T_CONS);
    gc_nroots -= 2;
    o->u.cons.car = a;
    o->u.cons.cdr = b;
    return o;
}

Obj *make_closure(Obj *params, Obj *body, Obj *env) {
    PUSH_ROOT(params);
    PUSH_ROOT(body);
    PUSH_ROOT(env);
    Obj *o = gc_alloc(T_CLOSURE);
    gc_nroots -= 3;
    o->u.clo.params = params;
    o->u.clo.body = body;
    o->u.clo.env = env;
    return o;
}

static unsigned sym_hash(const char *s) {
    unsigned h = 5381;
    while (*s)
        h = h * 33u + (unsigned char)*s++;
    return h % SYM_BUCKETS;
}

Obj *intern(const char *name) {
    unsigned b = sym_hash(name);
    for (Obj *s = symtab[b]; s; s = s->u.sym.next)
        if (strcmp(s->u.sym.name, name) == 0)
            return s;
    Obj *s = xcalloc(1, sizeof *s);
    size_t len = strlen(name);
    s->type = T_SYM;
    s->u.sym.name = xcalloc(len + 1, 1);
    memcpy(s->u.sym.name, name, len);
    s->u.sym.next = symtab[b];
    symtab[b] = s;
    return s;
}

void define_prim(const char *name, PrimFn fn, int min_args, int max_args) {
    PrimBlock *p = xcalloc(1, sizeof *p);
    p->next = prims;
    prims = p;
    p->obj.type = T_PRIM;
    p->obj.u.prim.fn = fn;
    p->obj.u.prim.name = name;
    p->obj.u.prim.min_args = min_args;
    p->obj.u.prim.max_args = max_args;
    intern(name)->u.sym.value = &p->obj;
}

void gc_shutdown(void) {
    while (chunks) {
        Chunk *c = chunks;
        chunks = c->next;
        free(c);
    }
    for (int b = 0; b < SYM_BUCKETS; b++)
        while (symtab[b]) {
            Obj *s = symtab[b];
            symtab[b] = s->u.sym.next;
            free(s->u.sym.name);
            free(s);
        }
    while (prims) {
        PrimBlock *p = prims;
        prims = p->next;
        free(p);
    }
    free_list = NULL;
    nfree = 0;
}
