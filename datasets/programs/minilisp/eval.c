/* minilisp: the evaluator.  Environments are lists of frames, each frame an
 * association list of (symbol . value); the global frame is kept in the
 * symbols themselves.  Special forms: quote if define set! lambda begin let
 * cond and or.  Tail positions loop instead of recursing. */
#include "lisp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_EVAL_DEPTH 4000

Buf lisp_out;
char lisp_err_msg[160];
unsigned long eval_steps;
jmp_buf *lisp_err_jmp;
static int eval_depth;
static Obj *sym_else;

_Noreturn void lisp_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lisp_err_msg, sizeof lisp_err_msg, fmt, ap);
    va_end(ap);
    eval_depth = 0;
    if (!lisp_err_jmp) {
        printf("FAIL unhandled error: %s\n", lisp_err_msg);
        exit(1);
    }
    longjmp(*lisp_err_jmp, 1);
}

Obj *car(Obj *x) {
    if (x->type != T_CONS)
        lisp_error("car: not a pair");
    return x->u.cons.car;
}

Obj *cdr(Obj *x) {
    if (x->type != T_CONS)
        lisp_error("cdr: not a pair");
    return x->u.cons.cdr;
}

int list_length(Obj *x) {
    int n = 0;
    for (; x->type == T_CONS; x = x->u.cons.cdr)
        n++;
    if (x != Nil)
        lisp_error("improper list");
    return n;
}

void eval_init(void) {
    static const struct {
        const char *name;
        int sf;
    } forms[] = {{"quote", SF_QUOTE}, {"if", SF_IF},       {"define", SF_DEFINE}, {"set!", SF_SET},
                 {"lambda", SF_LAMBDA}, {"begin", SF_BEGIN}, {"let", SF_LET},      {"cond", SF_COND},
                 {"and", SF_AND},     {"or", SF_OR}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        intern(forms[i].name)->u.sym.special = forms[i].sf;
    sym_else = intern("else");
}

/* The (symbol . value) pair binding sym in a local frame, or NULL. */
static Obj *lookup_local(Obj *sym, Obj *env) {
    for (; env != Nil; env = env->u.cons.cdr)
        for (Obj *b = env->u.cons.car; b != Nil; b = b->u.cons.cdr)
            if (b->u.cons.car->u.cons.car == sym)
                return b->u.cons.car;
    return NULL;
}

static Obj *env_get(Obj *sym, Obj *env) {
    Obj *cell = lookup_local(sym, env);
    if (cell)
        return cell->u.cons.cdr;
    if (!sym->u.sym.value)
        lisp_error("unbound symbol: %s", sym->u.sym.name);
    return sym->u.sym.value;
}

static void env_define(Obj *sym, Obj *val, Obj *env) {
    if (env == Nil) {
        sym->u.sym.value = val;
        return;
    }
    PUSH_ROOT(env);
    Obj *pair = cons(sym, val);
    env->u.cons.car = cons(pair, env->u.cons.car);
    gc_nroots--;
}

/* New environment: params bound to args, in front of outer. */
static Obj *bind_args(Obj *params, Obj *args, Obj *outer) {
    Obj *frame = Nil;
    int base = gc_nroots;
    PUSH_ROOT(params);
    PUSH_ROOT(args);
    PUSH_ROOT(outer);
    PUSH_ROOT(frame);
    for (; params->type == T_CONS; params = params->u.cons.cdr, args = args->u.cons.cdr) {
        if (args->type != T_CONS)
            lisp_error("too few arguments");
        if (params->u.cons.car->type != T_SYM)
            lisp_error("parameter is not a symbol");
        Obj *pair = cons(params->u.cons.car, args->u.cons.car);
        frame = cons(pair, frame);
    }
    if (params != Nil) { /* rest parameter: (a b . rest) or a bare symbol */
        Obj *pair = cons(params, args);
        frame = cons(pair, frame);
    } else if (args != Nil) {
        lisp_error("too many arguments");
    }
    Obj *env = cons(frame, outer);
    gc_nroots = base;
    return env;
}

static Obj *eval_list(Obj *list, Obj *env) {
    Obj *head = Nil, *tail = Nil;
    int base = gc_nroots;
    PUSH_ROOT(list);
    PUSH_ROOT(env);
    PUSH_ROOT(head);
    for (; list->type == T_CONS; list = list->u.cons.cdr) {
        Obj *v = eval(list->u.cons.car, env);
        Obj *cell = cons(v, Nil);
        if (head == Nil)
            head = cell;
        else
            tail->u.cons.cdr = cell;
        tail = cell;
    }
    gc_nroots = base;
    return head;
}

/* Evaluates all but the last expression of body; returns the last one
 * (to be evaluated in tail position) or Nil for an empty body. */
static Obj *eval_prefix(Obj *body, Obj *env) {
    if (body == Nil)
        return Nil;
    int base = gc_nroots;
    PUSH_ROOT(body);
    PUSH_ROOT(env);
    for (; cdr(body) != Nil; body = body->u.cons.cdr)
        eval(body->u.cons.car, env);
    gc_nroots = base;
    return body->u.cons.car;
}

static Obj *call_prim(Obj *fn, Obj *args) {
    int n = list_length(args);
    if (n < fn->u.prim.min_args || (fn->u.prim.max_args >= 0 && n > fn->u.prim.max_args))
        lisp_error("%s: wrong number of arguments (%d)", fn->u.prim.name, n);
    return fn->u.prim.fn(args);
}

Obj *eval(Obj *x, Obj *env) {
    Obj *fn = NULL, *args = NULL, *result = Nil, *t;
    int base = gc_nroots;
    PUSH_ROOT(x);
    PUSH_ROOT(env);
    PUSH_ROOT(fn);
    PUSH_ROOT(args);
    if (++eval_depth > MAX_EVAL_DEPTH)
        lisp_error("recursion too deep");
    for (;;) {
        eval_steps++;
        if (x->type == T_SYM) {
            result = env_get(x, env);
            break;
        }
        if (x->type != T_CONS) {
            result = x; /* self-evaluating */
            break;
        }
        Obj *op = x->u.cons.car;
        switch (op->type == T_SYM ? op->u.sym.special : SF_NONE) {
        case SF_QUOTE:
            result = car(cdr(x));
            goto done;
        case SF_IF:
            t = eval(car(cdr(x)), env);
            x = cdr(cdr(x));
            x = t != Nil ? car(x) : cdr(x) != Nil ? car(cdr(x)) : Nil;
            continue;
        case SF_DEFINE:
            t = car(cdr(x));
            if (t->type == T_CONS) { /* (define (name . params) body...) */
                args = make_closure(cdr(t), cdr(cdr(x)), env);
                t = car(t);
            } else {
                args = eval(car(cdr(cdr(x))), env);
            }
            if (t->type != T_SYM)
                lisp_error("define: not a symbol");
            env_define(t, args, env);
            result = t;
            goto done;
        case SF_SET:
            t = car(cdr(x));
            args = eval(car(cdr(cdr(x))), env);
            if (t->type != T_SYM)
                lisp_error("set!: not a symbol");
            if ((fn = lookup_local(t, env)) != NULL)
                fn->u.cons.cdr = args;
            else if (t->u.sym.value)
                t->u.sym.value = args;
            else
                lisp_error("set!: unbound symbol %s", t->u.sym.name);
            result = args;
            goto done;
        case SF_LAMBDA:
            result = make_closure(car(cdr(x)), cdr(cdr(x)), env);
            goto done;
        case SF_BEGIN:
            x = eval_prefix(cdr(x), env);
            continue;
        case SF_LET: /* (let ((name expr) ...) body...) */
            args = Nil;
            for (t = car(cdr(x)); t != Nil; t = cdr(t)) {
                fn = eval(car(cdr(car(t))), env);
                fn = cons(car(car(t)), fn);
                args = cons(fn, args);
            }
            env = cons(args, env);
            x = eval_prefix(cdr(cdr(x)), env);
            continue;
        case SF_COND:
            for (fn = cdr(x); fn != Nil; fn = cdr(fn)) {
                t = car(car(fn));
                if (t == sym_else || (t = eval(t, env)) != Nil)
                    break;
            }
            if (fn == Nil) {
                result = Nil;
                goto done;
            }
            if (cdr(car(fn)) == Nil) { /* (cond (test)) yields the test value */
                result = t;
                goto done;
            }
            x = eval_prefix(cdr(car(fn)), env);
            continue;
        case SF_AND:
        case SF_OR: {
            int is_and = op->u.sym.special == SF_AND;
            fn = cdr(x);
            if (fn == Nil) {
                result = is_and ? True : Nil;
                goto done;
            }
            for (; cdr(fn) != Nil; fn = cdr(fn)) {
                t = eval(car(fn), env);
                if (is_and ? t == Nil : t != Nil) {
                    result = t;
                    goto done;
                }
            }
            x = car(fn);
            continue;
        }
        default:
            break;
        }
        fn = eval(op, env);
        args = eval_list(x->u.cons.cdr, env);
        if (fn->type == T_PRIM) {
            result = call_prim(fn, args);
            break;
        }
        if (fn->type != T_CLOSURE)
            lisp_error("not a function");
        env = bind_args(fn->u.clo.params, args, fn->u.clo.env);
        x = eval_prefix(fn->u.clo.body, env);
    }
done:
    eval_depth--;
    gc_nroots = base;
    return result;
}

Obj *apply(Obj *fn, Obj *args) {
    if (fn->type == T_PRIM)
        return call_prim(fn, args);
    if (fn->type != T_CLOSURE)
        lisp_error("apply: not a function");
    int base = gc_nroots;
    PUSH_ROOT(fn);
    Obj *env = bind_args(fn->u.clo.params, args, fn->u.clo.env);
    PUSH_ROOT(env);
    Obj *last = eval_prefix(fn->u.clo.body, env);
    Obj *result = eval(last, env);
    gc_nroots = base;
    return result;
}
