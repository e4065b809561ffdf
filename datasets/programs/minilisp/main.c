/* minilisp: a small Lisp interpreter (multi-file, own Makefile).  Runs
 * embedded programs - fib, tak, merge sort of a generated list, closures and
 * higher-order functions, n-queens, allocation churn, error recovery - and
 * compares each result with a value computed independently in C.
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include "lisp.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern jmp_buf *lisp_err_jmp;

static const char prelude[] =
    "(define (map f xs) (if (null? xs) () (cons (f (car xs)) (map f (cdr xs)))))\n"
    "(define (filter p xs)\n"
    "  (cond ((null? xs) ())\n"
    "        ((p (car xs)) (cons (car xs) (filter p (cdr xs))))\n"
    "        (else (filter p (cdr xs)))))\n"
    "(define (foldl f acc xs) (if (null? xs) acc (foldl f (f acc (car xs)) (cdr xs))))\n"
    "(define (range-acc a b acc) (if (< b a) acc (range-acc a (- b 1) (cons b acc))))\n"
    "(define (range a b) (range-acc a (- b 1) ()))   ; [a, b)\n"
    "(define (take xs n) (if (or (= n 0) (null? xs)) () (cons (car xs) (take (cdr xs) (- n 1)))))\n";

static const char prog_fib[] =
    "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n"
    "(fib 19)\n";

static const char prog_tak[] =
    "(define (tak x y z)\n"
    "  (if (not (< y x)) z\n"
    "      (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))\n"
    "(tak 16 10 4)\n";

static const char prog_sort[] =
    "(define (lcg s) (remainder (+ (* s 1103515245) 12345) 2147483648))\n"
    "(define (randoms n s acc)\n"
    "  (if (= n 0) acc (randoms (- n 1) (lcg s) (cons (remainder s 1000) acc))))\n"
    "(define (split xs a b) (if (null? xs) (cons a b) (split (cdr xs) b (cons (car xs) a))))\n"
    "(define (merge a b)\n"
    "  (cond ((null? a) b)\n"
    "        ((null? b) a)\n"
    "        ((< (car b) (car a)) (cons (car b) (merge a (cdr b))))\n"
    "        (else (cons (car a) (merge (cdr a) b)))))\n"
    "(define (msort xs)\n"
    "  (if (or (null? xs) (null? (cdr xs))) xs\n"
    "      (let ((halves (split xs () ())))\n"
    "        (merge (msort (car halves)) (msort (cdr halves))))))\n"
    "(define (sorted? xs)\n"
    "  (or (null? xs) (null? (cdr xs))\n"
    "      (and (<= (car xs) (car (cdr xs))) (sorted? (cdr xs)))))\n"
    "(define s (msort (randoms 400 42 ())))\n"
    "(list (length s) (sorted? s) (foldl + 0 s) (take s 6) (take (reverse s) 3))\n";

static const char prog_closures[] =
    "(define (make-counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))\n"
    "(define c1 (make-counter))\n"
    "(define c2 (make-counter))\n"
    "(c1) (c1) (c2)\n"
    "(define (compose f g) (lambda (x) (f (g x))))\n"
    "(define (square x) (* x x))\n"
    "(define (adder n) (lambda (x) (+ x n)))\n"
    "(define (repeat f n) (if (= n 0) (lambda (x) x) (compose f (repeat f (- n 1)))))\n"
    "(define (sum-all . xs) (foldl + 0 xs))\n"
    "(define (evens xs) (filter (lambda (x) (= (remainder x 2) 0)) xs))\n"
    "(list (c1) (c2) ((compose square (adder 1)) 5) ((repeat (adder 3) 10) 0)\n"
    "      (map (adder 10) (range 0 5)) (foldl + 0 (map square (range 1 101)))\n"
    "      (apply sum-all (range 1 11)) (length (evens (range 0 1000)))\n"
    "      (equal? (append '(1 2) '(3) '(4 5)) '(1 2 3 4 5)) '(a . b))\n";

static const char prog_queens[] =
    "(define (safe? row dist placed)\n"
    "  (or (null? placed)\n"
    "      (and (not (= (car placed) row))\n"
    "           (not (= (car placed) (+ row dist)))\n"
    "           (not (= (car placed) (- row dist)))\n"
    "           (safe? row (+ dist 1) (cdr placed)))))\n"
    "(define first-solution ())\n"
    "(define (try row n placed)\n"
    "  (if (> row n) 0\n"
    "      (+ (if (safe? row 1 placed) (queens n (cons row placed)) 0)\n"
    "         (try (+ row 1) n placed))))\n"
    "(define (queens n placed)\n"
    "  (if (= (length placed) n)\n"
    "      (begin (if (null? first-solution) (set! first-solution placed)) 1)\n"
    "      (try 1 n placed)))\n"
    "(define counts (list (queens 5 ()) (queens 6 ()) (queens 7 ())))\n"
    "(display first-solution)\n"
    "counts\n";

static const char prog_churn[] =
    "(define (churn k acc)\n"
    "  (if (= k 0) acc\n"
    "      (churn (- k 1) (+ acc (length (reverse (map (lambda (x) (* x x)) (range 0 150))))))))\n"
    "(churn 60 0)\n";

static const char prog_errors[] =
    "(car 5)\n"
    "(undefined-function 1 2)\n"
    "(quotient 7 0)\n"
    "(* 4611686018427387904 4)\n"
    "((lambda (a b) a) 1)\n"
    "(define x 41)\n"
    "(+ x 1)\n";

typedef struct {
    const char *name, *src;
    char expect[160];
} Program;

static long fib_c(long n) { return n < 2 ? n : fib_c(n - 1) + fib_c(n - 2); }

static long tak_c(long x, long y, long z) {
    return y < x ? tak_c(tak_c(x - 1, y, z), tak_c(y - 1, z, x), tak_c(z - 1, x, y)) : z;
}

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The sort program's expected result, computed in C. */
static void expect_sort(char *out, size_t size) {
    long v[400], sum = 0, s = 42;
    for (int i = 0; i < 400; i++) {
        v[i] = s % 1000;
        sum += v[i];
        s = (long)(((uint64_t)s * 1103515245u + 12345u) % 2147483648u);
    }
    qsort(v, 400, sizeof v[0], cmp_long);
    snprintf(out, size, "(400 #t %ld (%ld %ld %ld %ld %ld %ld) (%ld %ld %ld))", sum, v[0], v[1], v[2],
             v[3], v[4], v[5], v[399], v[398], v[397]);
}

/* State used across setjmp/longjmp lives in static storage. */
static Reader rd;
static Obj *form, *value;
static Buf result, scratch;

static void run_program(const char *src, int keep_errors) {
    jmp_buf jb;
    int eof = 0;
    int base = gc_nroots;
    PUSH_ROOT(form);
    PUSH_ROOT(value);
    int rooted = gc_nroots;
    rd.s = src;
    rd.pos = 0;
    lisp_err_jmp = &jb;
    if (setjmp(jb)) {
        gc_nroots = rooted;
        if (keep_errors) {
            buf_str(&result, "error: ");
            buf_str(&result, lisp_err_msg);
            buf_str(&result, "; ");
        } else {
            printf("FAIL error: %s\n", lisp_err_msg);
            buf_str(&result, "FAILED ");
        }
    }
    for (;;) {
        form = read_form(&rd, &eof);
        if (eof)
            break;
        value = eval(form, Nil);
    }
    lisp_err_jmp = NULL;
    scratch.n = 0;
    print_obj(&scratch, value);
    buf_str(&result, scratch.p);
    gc_nroots = base;
}

int main(void) {
    Program progs[] = {
        {"fib", prog_fib, ""},         {"tak", prog_tak, ""},       {"sort", prog_sort, ""},
        {"closures", prog_closures, ""}, {"queens", prog_queens, ""}, {"churn", prog_churn, ""},
        {"errors", prog_errors, ""},
    };
    const int nprog = (int)(sizeof progs / sizeof progs[0]);
    snprintf(progs[0].expect, sizeof progs[0].expect, "%ld", fib_c(19));
    snprintf(progs[1].expect, sizeof progs[1].expect, "%ld", tak_c(16, 10, 4));
    expect_sort(progs[2].expect, sizeof progs[2].expect);
    snprintf(progs[3].expect, sizeof progs[3].expect,
             "(3 2 36 30 (10 11 12 13 14) 338350 55 500 #t (a . b))");
    snprintf(progs[4].expect, sizeof progs[4].expect, "(10 4 40)");
    snprintf(progs[5].expect, sizeof progs[5].expect, "%d", 60 * 150);
    snprintf(progs[6].expect, sizeof progs[6].expect,
             "error: car: not a pair; error: unbound symbol: undefined-function; "
             "error: division by zero; error: integer overflow in *; "
             "error: too few arguments; 42");

    gc_init();
    eval_init();
    builtins_init();
    uint32_t h = 2166136261u;
    int ok = 1;
    result.n = 0;
    buf_str(&result, "");
    run_program(prelude, 0);
    for (int i = 0; i < nprog; i++) {
        unsigned long steps0 = eval_steps, gc0 = gc_stats.collections, alloc0 = gc_stats.allocated;
        result.n = 0;
        lisp_out.n = 0;
        buf_str(&result, "");
        buf_str(&lisp_out, "");
        run_program(progs[i].src, i == nprog - 1);
        int match = strcmp(result.p, progs[i].expect) == 0;
        printf("%-8s => %s\n", progs[i].name, result.p);
        if (lisp_out.n)
            printf("         output: %s\n", lisp_out.p);
        printf("         steps=%lu allocs=%lu collections=%lu %s\n", eval_steps - steps0,
               gc_stats.allocated - alloc0, gc_stats.collections - gc0, match ? "ok" : "MISMATCH");
        if (!match) {
            printf("FAIL %s: expected %s\n", progs[i].name, progs[i].expect);
            ok = 0;
        }
        for (const char *c = result.p; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        for (size_t k = 0; k < lisp_out.n; k++)
            h = (h ^ (unsigned char)lisp_out.p[k]) * 16777619u;
        h = (h ^ (uint32_t)(eval_steps - steps0)) * 16777619u;
    }
    printf("heap: %lu cells, %lu allocations, %lu collections, %lu cells reclaimed\n",
           gc_stats.heap_cells, gc_stats.allocated, gc_stats.collections, gc_stats.freed);
    h = (h ^ (uint32_t)gc_stats.allocated) * 16777619u;
    h = (h ^ (uint32_t)gc_stats.collections) * 16777619u;
    gc_shutdown();
    free(result.p);
    free(scratch.p);
    free(lisp_out.p);
    printf("checksum: 0x%08x\n", (unsigned)h);
    return ok ? 0 : 1;
}
