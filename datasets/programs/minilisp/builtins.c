/* minilisp: primitive procedures.  Arguments arrive as a freshly evaluated
 * list that the caller keeps rooted; integer arithmetic is overflow-checked. */
#include "lisp.h"

#include <stdint.h>

static int64_t int_arg(Obj *x, const char *who) {
    if (x->type != T_INT)
        lisp_error("%s: not an integer", who);
    return x->u.ival;
}

static int64_t add_checked(int64_t a, int64_t b) {
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        lisp_error("integer overflow in +");
    return a + b;
}

static int64_t sub_checked(int64_t a, int64_t b) {
    if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b))
        lisp_error("integer overflow in -");
    return a - b;
}

static int64_t mul_checked(int64_t a, int64_t b) {
    int over;
    if (a > 0)
        over = b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a;
    else
        over = b > 0 ? a < INT64_MIN / b : (a != 0 && b < INT64_MAX / a);
    if (over)
        lisp_error("integer overflow in *");
    return a * b;
}

static Obj *bool_obj(int v) { return v ? True : Nil; }

static Obj *p_add(Obj *args) {
    int64_t s = 0;
    for (; args != Nil; args = cdr(args))
        s = add_checked(s, int_arg(car(args), "+"));
    return make_int(s);
}

static Obj *p_sub(Obj *args) {
    int64_t s = int_arg(car(args), "-");
    if (cdr(args) == Nil)
        return make_int(sub_checked(0, s));
    for (args = cdr(args); args != Nil; args = cdr(args))
        s = sub_checked(s, int_arg(car(args), "-"));
    return make_int(s);
}

static Obj *p_mul(Obj *args) {
    int64_t p = 1;
    for (; args != Nil; args = cdr(args))
        p = mul_checked(p, int_arg(car(args), "*"));
    return make_int(p);
}

static Obj *divide(Obj *args, int want_quotient) {
    int64_t a = int_arg(car(args), "quotient"), b = int_arg(car(cdr(args)), "quotient");
    if (b == 0)
        lisp_error("division by zero");
    if (a == INT64_MIN && b == -1)
        lisp_error("integer overflow in quotient");
    return make_int(want_quotient ? a / b : a % b);
}

static Obj *p_quotient(Obj *args) { return divide(args, 1); }
static Obj *p_remainder(Obj *args) { return divide(args, 0); }

/* Chained comparisons: (< a b c) means a < b and b < c. */
static Obj *compare(Obj *args, int op) {
    for (; cdr(args) != Nil; args = cdr(args)) {
        int64_t a = int_arg(car(args), "compare"), b = int_arg(car(cdr(args)), "compare");
        int ok = op == 0 ? a == b : op == 1 ? a < b : op == 2 ? a > b : op == 3 ? a <= b : a >= b;
        if (!ok)
            return Nil;
    }
    return True;
}

static Obj *p_num_eq(Obj *args) { return compare(args, 0); }
static Obj *p_lt(Obj *args) { return compare(args, 1); }
static Obj *p_gt(Obj *args) { return compare(args, 2); }
static Obj *p_le(Obj *args) { return compare(args, 3); }
static Obj *p_ge(Obj *args) { return compare(args, 4); }

static Obj *p_min_max(Obj *args, int want_max) {
    Obj *best = car(args);
    for (args = cdr(args); args != Nil; args = cdr(args)) {
        int64_t v = int_arg(car(args), "min/max"), b = int_arg(best, "min/max");
        if (want_max ? v > b : v < b)
            best = car(args);
    }
    return best;
}

static Obj *p_min(Obj *args) { return p_min_max(args, 0); }
static Obj *p_max(Obj *args) { return p_min_max(args, 1); }
static Obj *p_car(Obj *args) { return car(car(args)); }
static Obj *p_cdr(Obj *args) { return cdr(car(args)); }
static Obj *p_cons(Obj *args) { return cons(car(args), car(cdr(args))); }
static Obj *p_list(Obj *args) { return args; }
static Obj *p_null(Obj *args) { return bool_obj(car(args) == Nil); }
static Obj *p_pair(Obj *args) { return bool_obj(car(args)->type == T_CONS); }
static Obj *p_number(Obj *args) { return bool_obj(car(args)->type == T_INT); }
static Obj *p_symbol(Obj *args) { return bool_obj(car(args)->type == T_SYM); }
static Obj *p_not(Obj *args) { return bool_obj(car(args) == Nil); }

static Obj *p_procedure(Obj *args) {
    int t = car(args)->type;
    return bool_obj(t == T_PRIM || t == T_CLOSURE);
}

static int eqv(Obj *a, Obj *b) {
    return a == b || (a->type == T_INT && b->type == T_INT && a->u.ival == b->u.ival);
}

static int equal(Obj *a, Obj *b) {
    while (a->type == T_CONS && b->type == T_CONS) {
        if (!equal(a->u.cons.car, b->u.cons.car))
            return 0;
        a = a->u.cons.cdr;
        b = b->u.cons.cdr;
    }
    return eqv(a, b);
}

static Obj *p_eq(Obj *args) { return bool_obj(eqv(car(args), car(cdr(args)))); }
static Obj *p_equal(Obj *args) { return bool_obj(equal(car(args), car(cdr(args)))); }
static Obj *p_length(Obj *args) { return make_int(list_length(car(args))); }

static Obj *p_reverse(Obj *args) {
    Obj *r = Nil;
    int base = gc_nroots;
    PUSH_ROOT(r);
    for (Obj *x = car(args); x != Nil; x = cdr(x))
        r = cons(car(x), r);
    gc_nroots = base;
    return r;
}

static Obj *p_append(Obj *args) {
    Obj *head = Nil, *tail = Nil;
    int base = gc_nroots;
    PUSH_ROOT(head);
    for (; args != Nil; args = cdr(args)) {
        Obj *lst = car(args);
        if (cdr(args) == Nil) { /* the last list is shared, not copied */
            if (head == Nil)
                head = lst;
            else
                tail->u.cons.cdr = lst;
            break;
        }
        for (; lst != Nil; lst = cdr(lst)) {
            Obj *cell = cons(car(lst), Nil);
            if (head == Nil)
                head = cell;
            else
                tail->u.cons.cdr = cell;
            tail = cell;
        }
    }
    gc_nroots = base;
    return head;
}

static Obj *p_set_car(Obj *args) {
    Obj *p = car(args);
    if (p->type != T_CONS)
        lisp_error("set-car!: not a pair");
    p->u.cons.car = car(cdr(args));
    return p;
}

static Obj *p_set_cdr(Obj *args) {
    Obj *p = car(args);
    if (p->type != T_CONS)
        lisp_error("set-cdr!: not a pair");
    p->u.cons.cdr = car(cdr(args));
    return p;
}

static Obj *p_apply(Obj *args) { return apply(car(args), car(cdr(args))); }

static Obj *p_display(Obj *args) {
    print_obj(&lisp_out, car(args));
    return Nil;
}

static Obj *p_newline(Obj *args) {
    (void)args;
    buf_str(&lisp_out, "\n");
    return Nil;
}

void builtins_init(void) {
    static const struct {
        const char *name;
        PrimFn fn;
        int min_args, max_args;
    } table[] = {
        {"+", p_add, 0, -1},          {"-", p_sub, 1, -1},          {"*", p_mul, 0, -1},
        {"quotient", p_quotient, 2, 2}, {"remainder", p_remainder, 2, 2}, {"=", p_num_eq, 2, -1},
        {"<", p_lt, 2, -1},           {">", p_gt, 2, -1},           {"<=", p_le, 2, -1},
        {">=", p_ge, 2, -1},          {"min", p_min, 1, -1},        {"max", p_max, 1, -1},
        {"car", p_car, 1, 1},         {"cdr", p_cdr, 1, 1},         {"cons", p_cons, 2, 2},
        {"list", p_list, 0, -1},      {"null?", p_null, 1, 1},      {"pair?", p_pair, 1, 1},
        {"number?", p_number, 1, 1},  {"symbol?", p_symbol, 1, 1},  {"procedure?", p_procedure, 1, 1},
        {"not", p_not, 1, 1},         {"eq?", p_eq, 2, 2},          {"equal?", p_equal, 2, 2},
        {"length", p_length, 1, 1},   {"reverse", p_reverse, 1, 1}, {"append", p_append, 0, -1},
        {"set-car!", p_set_car, 2, 2}, {"set-cdr!", p_set_cdr, 2, 2}, {"apply", p_apply, 2, 2},
        {"display", p_display, 1, 1}, {"newline", p_newline, 0, 0},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        define_prim(table[i].name, table[i].fn, table[i].min_args, table[i].max_args);
}
