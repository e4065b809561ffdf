/* bignum.c - arbitrary-precision unsigned integers in base 10^9 limbs:
 * add, sub, compare, multiply/divide by small integers, schoolbook and
 * Karatsuba multiplication (cross-checked), decimal conversion.  Computes
 * 1000! (sequentially and by a product tree), Fibonacci(5000), powers by
 * squaring, and checks classic identities (F(2n), Cassini, q*d+r).
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE 1000000000u
#define KARA_CUTOFF 24

typedef struct {
    uint32_t *d; /* little-endian limbs, each < BASE */
    int n;       /* used limbs; no leading zero limbs, zero has n == 0 */
    int cap;
} Bn;

static int failures;

static void check(int cond, const char *what) {
    if (!cond) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static uint32_t rng_state = 0x1B873593u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

/* -------------------------------------------------------- basic helpers */

static void bn_init(Bn *a) {
    a->d = NULL;
    a->n = a->cap = 0;
}

static void bn_free(Bn *a) {
    free(a->d);
    bn_init(a);
}

static void bn_reserve(Bn *a, int cap) {
    if (cap <= a->cap)
        return;
    uint32_t *p = realloc(a->d, (size_t)cap * sizeof *p);
    if (!p) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    a->d = p;
    a->cap = cap;
}

static void bn_trim(Bn *a) {
    while (a->n > 0 && a->d[a->n - 1] == 0)
        a->n--;
}

static void bn_set_u64(Bn *a, uint64_t v) {
    bn_reserve(a, 3);
    a->n = 0;
    while (v) {
        a->d[a->n++] = (uint32_t)(v % BASE);
        v /= BASE;
    }
}

static void bn_copy(Bn *dst, const Bn *src) {
    if (dst == src)
        return;
    bn_reserve(dst, src->n + 1);
    if (src->n)
        memcpy(dst->d, src->d, (size_t)src->n * sizeof *src->d);
    dst->n = src->n;
}

static int bn_cmp(const Bn *a, const Bn *b) {
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* r = a + b (r may alias a or b). */
static void bn_add(Bn *r, const Bn *a, const Bn *b) {
    int n = a->n > b->n ? a->n : b->n;
    bn_reserve(r, n + 1);
    uint32_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint32_t s = carry + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        carry = s >= BASE;
        r->d[i] = carry ? s - BASE : s;
    }
    r->d[n] = carry;
    r->n = n + 1;
    bn_trim(r);
}

/* r = a - b, requires a >= b (r may alias a or b). */
static void bn_sub(Bn *r, const Bn *a, const Bn *b) {
    int n = a->n;
    bn_reserve(r, n + 1);
    uint32_t borrow = 0;
    for (int i = 0; i < n; i++) {
        uint32_t sub = (i < b->n ? b->d[i] : 0) + borrow;
        uint32_t x = a->d[i];
        borrow = x < sub;
        r->d[i] = borrow ? x + BASE - sub : x - sub;
    }
    r->n = n;
    bn_trim(r);
    check(borrow == 0, "bn_sub underflow");
}

/* a *= m for m < BASE. */
static void bn_mul_small(Bn *a, uint32_t m) {
    bn_reserve(a, a->n + 1);
    uint64_t carry = 0;
    for (int i = 0; i < a->n; i++) {
        uint64_t cur = (uint64_t)a->d[i] * m + carry;
        a->d[i] = (uint32_t)(cur % BASE);
        carry = cur / BASE;
    }
    if (carry)
        a->d[a->n++] = (uint32_t)carry;
    bn_trim(a);
}

/* q = a / d, returns a % d, for 0 < d < BASE (q may alias a). */
static uint32_t bn_divmod_small(Bn *q, const Bn *a, uint32_t d) {
    bn_reserve(q, a->n + 1);
    uint64_t rem = 0;
    for (int i = a->n - 1; i >= 0; i--) {
        uint64_t cur = rem * BASE + a->d[i];
        q->d[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    q->n = a->n;
    bn_trim(q);
    return (uint32_t)rem;
}

/* ------------------------------------------------- limb-array products */

/* r[0..na+nb) = a * b, schoolbook. r must not overlap a or b. */
static void mul_school(const uint32_t *a, int na, const uint32_t *b, int nb, uint32_t *r) {
    memset(r, 0, (size_t)(na + nb) * sizeof *r);
    for (int i = 0; i < na; i++) {
        uint64_t carry = 0, ai = a[i];
        if (ai == 0)
            continue;
        for (int j = 0; j < nb; j++) {
            uint64_t cur = r[i + j] + ai * b[j] + carry;
            r[i + j] = (uint32_t)(cur % BASE);
            carry = cur / BASE;
        }
        for (int k = i + nb; carry; k++) {
            uint64_t cur = r[k] + carry;
            r[k] = (uint32_t)(cur % BASE);
            carry = cur / BASE;
        }
    }
}

/* r[0..rn) += x[0..xn); the carry must not run past rn. */
static void limbs_add(uint32_t *r, int rn, const uint32_t *x, int xn) {
    uint32_t carry = 0;
    int i = 0;
    for (; i < xn; i++) {
        uint32_t s = r[i] + x[i] + carry;
        carry = s >= BASE;
        r[i] = carry ? s - BASE : s;
    }
    for (; carry && i < rn; i++) {
        uint32_t s = r[i] + 1;
        carry = s >= BASE;
        r[i] = carry ? 0 : s;
    }
    check(carry == 0, "limbs_add overflow");
}

/* r[0..rn) -= x[0..xn), requires r >= x. */
static void limbs_sub(uint32_t *r, int rn, const uint32_t *x, int xn) {
    uint32_t borrow = 0;
    int i = 0;
    for (; i < xn; i++) {
        uint32_t sub = x[i] + borrow;
        borrow = r[i] < sub;
        r[i] = borrow ? r[i] + BASE - sub : r[i] - sub;
    }
    for (; borrow && i < rn; i++) {
        borrow = r[i] == 0;
        r[i] = borrow ? BASE - 1 : r[i] - 1;
    }
    check(borrow == 0, "limbs_sub underflow");
}

static long kara_calls;

/* r[0..2n) = a[0..n) * b[0..n), Karatsuba with a schoolbook base case. */
static void mul_kara(const uint32_t *a, const uint32_t *b, int n, uint32_t *r) {
    kara_calls++;
    if (n <= KARA_CUTOFF) {
        mul_school(a, n, b, n, r);
        return;
    }
    int m = n / 2, h = n - m; /* low half m limbs, high half h >= m limbs */
    uint32_t *tmp = calloc((size_t)(4 * h + 4), sizeof *tmp);
    if (!tmp) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    uint32_t *sa = tmp, *sb = tmp + h + 1, *z1 = tmp + 2 * h + 2;
    mul_kara(a, b, m, r);                 /* z0 = a0*b0 -> r[0..2m) */
    mul_kara(a + m, b + m, h, r + 2 * m); /* z2 = a1*b1 -> r[2m..2n) */
    memcpy(sa, a + m, (size_t)h * sizeof *sa);
    memcpy(sb, b + m, (size_t)h * sizeof *sb);
    limbs_add(sa, h + 1, a, m);
    limbs_add(sb, h + 1, b, m);
    mul_kara(sa, sb, h + 1, z1); /* (a0+a1)(b0+b1), 2h+2 limbs */
    limbs_sub(z1, 2 * h + 2, r, 2 * m);
    limbs_sub(z1, 2 * h + 2, r + 2 * m, 2 * h);
    int zn = 2 * h + 2;
    while (zn > 0 && z1[zn - 1] == 0)
        zn--;
    check(zn <= 2 * n - m, "karatsuba middle term too long");
    limbs_add(r + m, 2 * n - m, z1, zn);
    free(tmp);
}

/* r = a * b; Karatsuba when 'kara' is set (r may alias a or b). */
static void bn_mul(Bn *r, const Bn *a, const Bn *b, int kara) {
    if (a->n == 0 || b->n == 0) {
        r->n = 0;
        return;
    }
    int n = a->n > b->n ? a->n : b->n;
    uint32_t *out = calloc((size_t)(2 * n), sizeof *out);
    uint32_t *pa = calloc((size_t)n, sizeof *pa), *pb = calloc((size_t)n, sizeof *pb);
    if (!out || !pa || !pb) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    memcpy(pa, a->d, (size_t)a->n * sizeof *pa);
    memcpy(pb, b->d, (size_t)b->n * sizeof *pb);
    if (kara)
        mul_kara(pa, pb, n, out);
    else
        mul_school(pa, a->n, pb, b->n, out);
    free(pa);
    free(pb);
    free(r->d);
    r->d = out;
    r->cap = 2 * n;
    r->n = 2 * n;
    bn_trim(r);
}

/* ------------------------------------------------------ decimal output */

static char *bn_to_str(const Bn *a) {
    char *s = malloc((size_t)a->n * 9 + 2);
    if (!s) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    if (a->n == 0) {
        strcpy(s, "0");
        return s;
    }
    int len = sprintf(s, "%u", (unsigned)a->d[a->n - 1]);
    for (int i = a->n - 2; i >= 0; i--)
        len += sprintf(s + len, "%09u", (unsigned)a->d[i]);
    return s;
}

static uint32_t report(const char *name, const Bn *a, int *digits_out, int *dsum_out) {
    char *s = bn_to_str(a);
    int len = (int)strlen(s), dsum = 0, tz = 0;
    uint32_t h = 0x811c9dc5u;
    for (int i = 0; i < len; i++) {
        dsum += s[i] - '0';
        h = (h ^ (uint32_t)(unsigned char)s[i]) * 0x01000193u;
    }
    while (tz < len - 1 && s[len - 1 - tz] == '0')
        tz++;
    int sig = len - tz; /* last non-zero digits */
    printf("%-10s digits=%5d digitsum=%6d zeros=%4d head=%.12s tail=%.12s\n", name, len, dsum, tz,
           s, s + (sig > 12 ? sig - 12 : 0));
    if (digits_out)
        *digits_out = len;
    if (dsum_out)
        *dsum_out = dsum;
    free(s);
    return h;
}

/* ---------------------------------------------------------------- tests */

static void product_tree(Bn *r, uint32_t lo, uint32_t hi) {
    if (hi - lo < 8) {
        bn_set_u64(r, 1);
        for (uint32_t k = lo; k <= hi; k++)
            bn_mul_small(r, k);
        return;
    }
    uint32_t mid = lo + (hi - lo) / 2;
    Bn right;
    bn_init(&right);
    product_tree(r, lo, mid);
    product_tree(&right, mid + 1, hi);
    bn_mul(r, r, &right, 1);
    bn_free(&right);
}

static void random_bn(Bn *a, int limbs) {
    bn_reserve(a, limbs + 1);
    for (int i = 0; i < limbs; i++)
        a->d[i] = rng_next() % BASE;
    a->n = limbs;
    bn_trim(a);
}

int main(void) {
    uint32_t h = 0;
    int digits, dsum;
    Bn a, b, c, d, e;
    bn_init(&a);
    bn_init(&b);
    bn_init(&c);
    bn_init(&d);
    bn_init(&e);

    /* 100! and 1000!, sequential vs product tree; then divide back down. */
    bn_set_u64(&a, 1);
    for (uint32_t k = 2; k <= 100; k++)
        bn_mul_small(&a, k);
    h = mix32(h, report("100!", &a, &digits, &dsum));
    check(digits == 158 && dsum == 648, "100! digits/digit sum");
    for (uint32_t k = 101; k <= 1000; k++)
        bn_mul_small(&a, k);
    h = mix32(h, report("1000!", &a, &digits, &dsum));
    check(digits == 2568 && dsum == 10539, "1000! digits/digit sum");
    product_tree(&b, 1, 1000);
    check(bn_cmp(&a, &b) == 0, "1000! product tree");
    uint32_t remsum = 0;
    for (uint32_t k = 1000; k >= 2; k--)
        remsum += bn_divmod_small(&a, &a, k);
    check(remsum == 0 && a.n == 1 && a.d[0] == 1, "1000! / 1000 / ... / 2 == 1");

    /* Fibonacci by addition, keeping F(2500), F(2501), F(4999), F(5001). */
    Bn f25, f25n, f4999;
    bn_init(&f25);
    bn_init(&f25n);
    bn_init(&f4999);
    bn_set_u64(&a, 0); /* F(i) */
    bn_set_u64(&b, 1); /* F(i+1) */
    for (int i = 0; i < 5000; i++) {
        if (i == 2500) {
            bn_copy(&f25, &a);
            bn_copy(&f25n, &b);
        }
        if (i == 4999)
            bn_copy(&f4999, &a);
        bn_add(&c, &a, &b);
        bn_copy(&a, &b);
        bn_copy(&b, &c);
    }
    h = mix32(h, report("fib(5000)", &a, &digits, &dsum));
    check(digits == 1045, "fib(5000) digit count");
    /* F(2n) = F(n) * (2F(n+1) - F(n)), with both multipliers. */
    bn_add(&c, &f25n, &f25n);
    bn_sub(&c, &c, &f25);
    bn_mul(&d, &f25, &c, 1);
    bn_mul(&e, &f25, &c, 0);
    check(bn_cmp(&d, &a) == 0 && bn_cmp(&e, &a) == 0, "F(2n) doubling identity");
    /* Cassini for even n: F(n-1) F(n+1) = F(n)^2 + 1. */
    bn_mul(&c, &f4999, &b, 1);
    bn_mul(&d, &a, &a, 1);
    bn_set_u64(&e, 1);
    bn_add(&d, &d, &e);
    check(bn_cmp(&c, &d) == 0, "Cassini identity");
    bn_free(&f25);
    bn_free(&f25n);
    bn_free(&f4999);

    /* Powers: 2^1000 by doubling, 3^20000 by squaring vs repeated multiply. */
    bn_set_u64(&a, 1);
    for (int i = 0; i < 1000; i++)
        bn_mul_small(&a, 2);
    h = mix32(h, report("2^1000", &a, &digits, &dsum));
    check(dsum == 1366, "2^1000 digit sum");
    bn_set_u64(&a, 1);
    bn_set_u64(&b, 3);
    for (unsigned ex = 20000; ex; ex >>= 1) {
        if (ex & 1)
            bn_mul(&a, &a, &b, 1);
        if (ex > 1)
            bn_mul(&b, &b, &b, 1);
    }
    h = mix32(h, report("3^20000", &a, &digits, &dsum));
    check(digits == 9543, "3^20000 digit count");
    bn_set_u64(&c, 1);
    for (int i = 0; i < 20000 / 18; i++)
        bn_mul_small(&c, 387420489u); /* 3^18 */
    for (int i = 0; i < 20000 % 18; i++)
        bn_mul_small(&c, 3);
    check(bn_cmp(&a, &c) == 0, "3^20000 squaring vs repeated multiply");

    /* Random cross-checks: schoolbook vs Karatsuba, add/sub, divmod. */
    uint32_t cross = 0;
    int bad_mul = 0, bad_add = 0, bad_div = 0;
    for (int t = 0; t < 100; t++) {
        int na = 1 + (int)(rng_next() % 300), nb = 1 + (int)(rng_next() % 300);
        if (t % 3 == 0)
            nb = na; /* balanced sizes exercise the recursion fully */
        random_bn(&a, na);
        random_bn(&b, nb);
        bn_mul(&c, &a, &b, 0);
        bn_mul(&d, &a, &b, 1);
        bad_mul += bn_cmp(&c, &d) != 0;
        bn_add(&e, &a, &b);
        bn_sub(&e, &e, &b);
        bad_add += bn_cmp(&e, &a) != 0;
        uint32_t dv = 1 + rng_next() % (BASE - 1);
        uint32_t rem = bn_divmod_small(&e, &c, dv);
        bn_mul_small(&e, dv);
        bn_set_u64(&d, rem);
        bn_add(&e, &e, &d);
        bad_div += bn_cmp(&e, &c) != 0;
        for (int i = 0; i < c.n; i++)
            cross = mix32(cross, c.d[i]);
    }
    printf("random products: 100, mismatches mul=%d add/sub=%d divmod=%d, hash=0x%08x\n",
           bad_mul, bad_add, bad_div, (unsigned)cross);
    check(bad_mul == 0 && bad_add == 0 && bad_div == 0, "random cross-checks");
    printf("karatsuba calls: %ld\n", kara_calls);
    h = mix32(h, cross);
    h = mix32(h, (uint32_t)kara_calls);

    bn_free(&a);
    bn_free(&b);
    bn_free(&c);
    bn_free(&d);
    bn_free(&e);
    printf("self-checks: %s\n", failures ? "FAILED" : "passed");
    printf("checksum: 0x%08x\n", (unsigned)h);
    return failures ? 1 : 0;
}
