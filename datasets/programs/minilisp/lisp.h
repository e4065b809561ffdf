/* minilisp: shared declarations - objects, heap and GC roots, reader,
 * printer, evaluator and primitives. */
#ifndef MINILISP_LISP_H
#define MINILISP_LISP_H

#include <stddef.h>
#include <stdint.h>

typedef struct Obj Obj;
typedef Obj *(*PrimFn)(Obj *args);

/* Heap objects are T_INT, T_CONS and T_CLOSURE; symbols, primitives and
 * the two constants live outside the collected heap. */
enum { T_FREE, T_INT, T_SYM, T_CONS, T_PRIM, T_CLOSURE, T_NIL, T_TRUE };

/* Special forms, stored in the symbol that names them. */
enum {
  SF_NONE,
  SF_QUOTE,
  SF_IF,
  SF_DEFINE,
  SF_SET,
  SF_LAMBDA,
  SF_BEGIN,
  SF_LET,
  SF_COND,
  SF_AND,
  SF_OR
};

struct Obj {
  unsigned char type, mark;
  union {
    int64_t ival;
    struct {
      Obj *car, *cdr;
    } cons;
    struct {
      char *name;
      Obj *value; /* global binding or NULL */
      Obj *next;  /* symbol table chain */
      int special;
    } sym;
    struct {
      PrimFn fn;
      const char *name;
      int min_args, max_args; /* max_args < 0: variadic */
    } prim;
    struct {
      Obj *params, *body, *env;
    } clo;
    Obj *next_free;
  } u;
};

typedef struct {
  char *p;
  size_t n, cap;
} Buf;

typedef struct {
  unsigned long collections, allocated, freed, heap_cells;
} GcStats;

extern Obj *Nil, *True;

/* gc.c - the heap, the root stack and mark-sweep collection.  Every C
 * variable that holds a heap object across an allocation must be pushed
 * with PUSH_ROOT and popped (or the stack reset) before it goes away. */
#define ROOT_MAX 65536
extern Obj **gc_roots[ROOT_MAX];
extern int gc_nroots;
extern GcStats gc_stats;
#define PUSH_ROOT(v) gc_push_root(&(v))
void gc_push_root(Obj **slot);
void gc_init(void);
void gc_shutdown(void);
void gc_collect(void);
Obj *gc_alloc(int type);
Obj *make_int(int64_t v);
Obj *cons(Obj *a, Obj *b);
Obj *make_closure(Obj *params, Obj *body, Obj *env);
Obj *intern(const char *name);
void define_prim(const char *name, PrimFn fn, int min_args, int max_args);

/* reader.c - reader and printer. */
typedef struct {
  const char *s;
  size_t pos;
} Reader;
Obj *read_form(Reader *r, int *eof);
void print_obj(Buf *b, Obj *x);
void buf_put(Buf *b, const char *s, size_t n);
void buf_str(Buf *b, const char *s);

/* eval.c - evaluator and errors (longjmp to the innermost handler). */
extern Buf lisp_out;
extern char lisp_err_msg[160];
extern unsigned long eval_steps;
void eval_init(void);
Obj *eval(Obj *x, Obj *env);
Obj *apply(Obj *fn, Obj *args);
_Noreturn void lisp_error(const char *fmt, ...);
Obj *car(Obj *x);
Obj *cdr(Obj *x);
int list_length(Obj *x);

/* builtins.c */
void builtins_init(void);

#endif
