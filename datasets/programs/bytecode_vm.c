/* bytecode_vm.c - a tiny stack virtual machine with a switch-based dispatch
 * loop, running bytecode programs (Collatz lengths, prime sieve-by-trial, fib).
 * Self-checking OptGym sample: prints results and a checksum, exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
    OP_HALT,
    OP_PUSH,  /* push imm */
    OP_LOAD,  /* push reg[imm] */
    OP_STORE, /* reg[imm] = pop */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_AND,
    OP_SHR,
    OP_LT,
    OP_EQ,
    OP_DUP,
    OP_DROP,
    OP_SWAP,
    OP_JMP, /* pc = imm */
    OP_JZ,  /* if pop == 0: pc = imm */
    OP_JNZ, /* if pop != 0: pc = imm */
    OP_INC, /* reg[imm] += 1 */
    OP_OUT  /* fold pop into output hash */
};

#define STACK_MAX 64
#define NREGS 8

typedef struct {
    uint32_t stack[STACK_MAX];
    uint32_t regs[NREGS];
    int sp;
    uint32_t out;
    uint64_t steps;
    int error;
} VM;

static void vm_push(VM *vm, uint32_t v) {
    if (vm->sp >= STACK_MAX) {
        vm->error = 1;
        return;
    }
    vm->stack[vm->sp++] = v;
}

static uint32_t vm_pop(VM *vm) {
    if (vm->sp <= 0) {
        vm->error = 1;
        return 0;
    }
    return vm->stack[--vm->sp];
}

static uint32_t hash_out(uint32_t h, uint32_t v) {
    h = (h ^ v) * 0x01000193u;
    return h ^ (h >> 13);
}

static void vm_init(VM *vm) {
    memset(vm, 0, sizeof *vm);
    vm->out = 0x811c9dc5u;
}

static int vm_run(VM *vm, const int32_t *code, int len) {
    int pc = 0;
    while (!vm->error) {
        if (pc < 0 || pc >= len)
            return -1;
        int32_t op = code[pc++];
        int32_t imm = 0;
        if (op == OP_PUSH || op == OP_LOAD || op == OP_STORE || op == OP_JMP ||
            op == OP_JZ || op == OP_JNZ || op == OP_INC) {
            if (pc >= len)
                return -1;
            imm = code[pc++];
        }
        vm->steps++;
        uint32_t a, b;
        switch (op) {
        case OP_HALT:
            return 0;
        case OP_PUSH:
            vm_push(vm, (uint32_t)imm);
            break;
        case OP_LOAD:
            if (imm < 0 || imm >= NREGS)
                return -1;
            vm_push(vm, vm->regs[imm]);
            break;
        case OP_STORE:
            if (imm < 0 || imm >= NREGS)
                return -1;
            vm->regs[imm] = vm_pop(vm);
            break;
        case OP_ADD:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a + b);
            break;
        case OP_SUB:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a - b);
            break;
        case OP_MUL:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a * b);
            break;
        case OP_DIV:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, b ? a / b : 0);
            break;
        case OP_MOD:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, b ? a % b : 0);
            break;
        case OP_AND:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a & b);
            break;
        case OP_SHR:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a >> (b & 31u));
            break;
        case OP_LT:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a < b);
            break;
        case OP_EQ:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, a == b);
            break;
        case OP_DUP:
            a = vm_pop(vm);
            vm_push(vm, a);
            vm_push(vm, a);
            break;
        case OP_DROP:
            (void)vm_pop(vm);
            break;
        case OP_SWAP:
            b = vm_pop(vm); a = vm_pop(vm);
            vm_push(vm, b);
            vm_push(vm, a);
            break;
        case OP_JMP:
            pc = imm;
            break;
        case OP_JZ:
            if (vm_pop(vm) == 0)
                pc = imm;
            break;
        case OP_JNZ:
            if (vm_pop(vm) != 0)
                pc = imm;
            break;
        case OP_INC:
            if (imm < 0 || imm >= NREGS)
                return -1;
            vm->regs[imm] += 1u;
            break;
        case OP_OUT:
            vm->out = hash_out(vm->out, vm_pop(vm));
            break;
        default:
            return -1;
        }
    }
    return -1;
}

/* Programs are assembled at run time with a small label helper so that
 * the jump targets are always right. */
typedef struct {
    int32_t code[256];
    int len;
} Asm;

static void emit(Asm *as, int32_t v) {
    if (as->len < 256)
        as->code[as->len++] = v;
}
static void emit2(Asm *as, int32_t op, int32_t imm) {
    emit(as, op);
    emit(as, imm);
}
static int here(const Asm *as) {
    return as->len;
}
static void patch(Asm *as, int at, int32_t target) {
    if (at >= 0 && at < as->len)
        as->code[at] = target;
}

/* Sum of Collatz sequence lengths for n = 1 .. r0-1.
 * r1 = n, r2 = x, r3 = len, r4 = total */
static void build_collatz(Asm *as) {
    as->len = 0;
    emit2(as, OP_PUSH, 1); emit2(as, OP_STORE, 1);
    emit2(as, OP_PUSH, 0); emit2(as, OP_STORE, 4);
    int outer = here(as);
    emit2(as, OP_LOAD, 1); emit2(as, OP_LOAD, 0); emit(as, OP_LT);
    emit2(as, OP_JZ, 0); int exit_outer = here(as) - 1;
    emit2(as, OP_LOAD, 1); emit2(as, OP_STORE, 2);
    emit2(as, OP_PUSH, 0); emit2(as, OP_STORE, 3);
    int inner = here(as);
    emit2(as, OP_LOAD, 2); emit2(as, OP_PUSH, 1); emit(as, OP_EQ);
    emit2(as, OP_JNZ, 0); int exit_inner = here(as) - 1;
    emit2(as, OP_INC, 3);
    emit2(as, OP_LOAD, 2); emit2(as, OP_PUSH, 1); emit(as, OP_AND);
    emit2(as, OP_JZ, 0); int even = here(as) - 1;
    emit2(as, OP_LOAD, 2); emit2(as, OP_PUSH, 3); emit(as, OP_MUL);
    emit2(as, OP_PUSH, 1); emit(as, OP_ADD); emit2(as, OP_STORE, 2);
    emit2(as, OP_JMP, inner);
    patch(as, even, here(as));
    emit2(as, OP_LOAD, 2); emit2(as, OP_PUSH, 1); emit(as, OP_SHR);
    emit2(as, OP_STORE, 2);
    emit2(as, OP_JMP, inner);
    patch(as, exit_inner, here(as));
    emit2(as, OP_LOAD, 3); emit(as, OP_DUP); emit(as, OP_OUT);
    emit2(as, OP_LOAD, 4); emit(as, OP_ADD); emit2(as, OP_STORE, 4);
    emit2(as, OP_INC, 1);
    emit2(as, OP_JMP, outer);
    patch(as, exit_outer, here(as));
    emit(as, OP_HALT);
}

/* Count primes < r0 by trial division. r1 = n, r2 = d, r5 = count */
static void build_primes(Asm *as) {
    as->len = 0;
    emit2(as, OP_PUSH, 2); emit2(as, OP_STORE, 1);
    emit2(as, OP_PUSH, 0); emit2(as, OP_STORE, 5);
    int outer = here(as);
    emit2(as, OP_LOAD, 1); emit2(as, OP_LOAD, 0); emit(as, OP_LT);
    emit2(as, OP_JZ, 0); int exit_outer = here(as) - 1;
    emit2(as, OP_PUSH, 2); emit2(as, OP_STORE, 2);
    int inner = here(as);
    /* if d*d > n -> prime */
    emit2(as, OP_LOAD, 1); emit2(as, OP_LOAD, 2); emit2(as, OP_LOAD, 2);
    emit(as, OP_MUL); emit(as, OP_LT);
    emit2(as, OP_JNZ, 0); int is_prime = here(as) - 1;
    emit2(as, OP_LOAD, 1); emit2(as, OP_LOAD, 2); emit(as, OP_MOD);
    emit2(as, OP_JZ, 0); int not_prime = here(as) - 1;
    emit2(as, OP_INC, 2);
    emit2(as, OP_JMP, inner);
    patch(as, is_prime, here(as));
    emit2(as, OP_INC, 5);
    emit2(as, OP_LOAD, 1); emit(as, OP_OUT);
    patch(as, not_prime, here(as));
    emit2(as, OP_INC, 1);
    emit2(as, OP_JMP, outer);
    patch(as, exit_outer, here(as));
    emit(as, OP_HALT);
}

/* Iterative fib mod 2^32 r0 times, with a SWAP/DROP exercise. */
static void build_fib(Asm *as) {
    as->len = 0;
    emit2(as, OP_PUSH, 0); emit2(as, OP_PUSH, 1);
    int loop = here(as);
    emit2(as, OP_LOAD, 0); emit2(as, OP_JZ, 0); int done = here(as) - 1;
    emit(as, OP_DUP);               /* a b b */
    emit2(as, OP_STORE, 6);         /* a b      r6=b */
    emit(as, OP_ADD);               /* a+b */
    emit2(as, OP_LOAD, 6);          /* a+b b */
    emit(as, OP_SWAP);              /* b a+b */
    emit2(as, OP_LOAD, 0); emit2(as, OP_PUSH, 1); emit(as, OP_SUB);
    emit2(as, OP_STORE, 0);
    emit2(as, OP_JMP, loop);
    patch(as, done, here(as));
    emit(as, OP_OUT); emit(as, OP_DROP);
    emit(as, OP_HALT);
}

typedef void (*builder_fn)(Asm *);

int main(void) {
    static const struct {
        const char *name;
        builder_fn build;
        uint32_t arg;
        int result_reg;
    } jobs[] = {
        {"collatz", build_collatz, 3000, 4},
        {"primes", build_primes, 6000, 5},
        {"fib", build_fib, 20000, 6},
    };

    uint32_t h = 0;
    int rc = 0;
    for (int j = 0; j < 3; j++) { /* constant trip count */
        Asm as;
        VM vm;
        memset(&as, 0, sizeof as);
        jobs[j].build(&as);
        vm_init(&vm);
        vm.regs[0] = jobs[j].arg;
        int r = vm_run(&vm, as.code, as.len);
        if (r != 0 || vm.error)
            rc = 1;
        printf("%-8s status=%d result=%u steps=%llu out=0x%08x\n", jobs[j].name, r,
               (unsigned)vm.regs[jobs[j].result_reg], (unsigned long long)vm.steps,
               (unsigned)vm.out);
        h = hash_out(h, vm.out);
        h = hash_out(h, vm.regs[jobs[j].result_reg]);
        h = hash_out(h, (uint32_t)vm.steps);
    }
    printf("checksum: 0x%08x\n", (unsigned)h);
    return rc;
}
