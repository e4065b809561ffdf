/* compress: Huffman code construction with the two-queue method over
 * frequency-sorted leaves, a Kraft-sum repair for overlong codes,
 * canonical code assignment and canonical (count/symbol table) decoding. */
#include "huffman.h"

#include <string.h>

typedef struct {
    uint32_t freq;
    int16_t sym;    /* leaf symbol, or -1 for an internal node */
    int16_t left, right;
} Node;

/* Insertion sort of leaf indices by (frequency, symbol). */
static void sort_leaves(Node *nodes, int *order, int n) {
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i - 1;
        while (j >= 0 && (nodes[order[j]].freq > nodes[v].freq ||
                          (nodes[order[j]].freq == nodes[v].freq &&
                           nodes[order[j]].sym > nodes[v].sym))) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
}

static void assign_depths(const Node *nodes, int idx, int depth, int *depth_of) {
    if (nodes[idx].sym >= 0) {
        depth_of[nodes[idx].sym] = depth;
        return;
    }
    assign_depths(nodes, nodes[idx].left, depth + 1, depth_of);
    assign_depths(nodes, nodes[idx].right, depth + 1, depth_of);
}

int huff_lengths(const uint32_t *freq, int n, int max_bits, uint8_t *lens) {
    Node nodes[2 * HUFF_MAX_SYMS];
    int order[HUFF_MAX_SYMS], depth_of[HUFF_MAX_SYMS];
    int nleaves = 0;
    memset(lens, 0, (size_t)n);
    /* Used symbols, then unused ones with a pretend count of 1 until there
     * are two: a one-symbol code would not be complete. */
    for (int pass = 0; pass < 2; pass++)
        for (int s = 0; s < n && (pass == 0 || nleaves < 2); s++) {
            if ((pass == 0) != (freq[s] > 0))
                continue;
            nodes[nleaves].freq = pass == 0 ? freq[s] : 1;
            nodes[nleaves].sym = (int16_t)s;
            nodes[nleaves].left = nodes[nleaves].right = -1;
            order[nleaves] = nleaves;
            nleaves++;
        }
    sort_leaves(nodes, order, nleaves);

    /* Two queues: sorted leaves, and internal nodes in creation order
     * (their frequencies never decrease). */
    int qi = 0, inner_head = nleaves, nnodes = nleaves;
    while ((nleaves - qi) + (nnodes - inner_head) > 1) {
        int pick[2];
        for (int k = 0; k < 2; k++) {
            int leaf_ok = qi < nleaves, inner_ok = inner_head < nnodes;
            if (leaf_ok && (!inner_ok || nodes[order[qi]].freq <= nodes[inner_head].freq))
                pick[k] = order[qi++];
            else
                pick[k] = inner_head++;
        }
        nodes[nnodes].freq = nodes[pick[0]].freq + nodes[pick[1]].freq;
        nodes[nnodes].sym = -1;
        nodes[nnodes].left = (int16_t)pick[0];
        nodes[nnodes].right = (int16_t)pick[1];
        nnodes++;
    }
    assign_depths(nodes, nnodes - 1, 0, depth_of);

    /* Count leaves per depth, clamping overlong ones to max_bits.  That
     * over-subscribes the code; each repair step drops a leaf from the
     * deepest level and splits a shallower leaf into two, which lowers the
     * Kraft sum (in units of 2^-max_bits) by one (the miniz method). */
    int bl_count[64] = {0}, moved = 0;
    for (int i = 0; i < nleaves; i++) {
        int d = depth_of[nodes[i].sym];
        if (d > max_bits) {
            d = max_bits;
            moved++;
        }
        bl_count[d]++;
    }
    uint32_t total = 0;
    for (int bits = 1; bits <= max_bits; bits++)
        total += (uint32_t)bl_count[bits] << (max_bits - bits);
    while (total > (1u << max_bits)) {
        bl_count[max_bits]--;
        for (int bits = max_bits - 1; bits > 0; bits--)
            if (bl_count[bits]) {
                bl_count[bits]--;
                bl_count[bits + 1] += 2;
                break;
            }
        total--;
    }

    /* Longest codes go to the least frequent symbols. */
    int k = 0;
    for (int bits = max_bits; bits >= 1; bits--)
        for (int c = bl_count[bits]; c > 0; c--)
            lens[nodes[order[k++]].sym] = (uint8_t)bits;
    return moved;
}

void huff_codes(const uint8_t *lens, int n, uint16_t *codes) {
    int bl_count[HUFF_MAX_BITS + 1] = {0};
    uint32_t next[HUFF_MAX_BITS + 1];
    for (int s = 0; s < n; s++)
        bl_count[lens[s]]++;
    bl_count[0] = 0;
    uint32_t code = 0;
    for (int bits = 1; bits <= HUFF_MAX_BITS; bits++) {
        code = (code + (uint32_t)bl_count[bits - 1]) << 1;
        next[bits] = code;
    }
    for (int s = 0; s < n; s++)
        codes[s] = lens[s] ? (uint16_t)bit_reverse(next[lens[s]]++, lens[s]) : 0;
}

uint32_t huff_kraft(const uint8_t *lens, int n) {
    uint32_t sum = 0;
    for (int s = 0; s < n; s++)
        if (lens[s])
            sum += 1u << (HUFF_MAX_BITS - lens[s]);
    return sum;
}

int huff_decoder_init(HuffDecoder *d, const uint8_t *lens, int n) {
    int16_t offs[HUFF_MAX_BITS + 2];
    memset(d->count, 0, sizeof d->count);
    for (int s = 0; s < n; s++)
        d->count[lens[s]]++;
    int left = 1;
    for (int len = 1; len <= HUFF_MAX_BITS; len++) {
        left <<= 1;
        left -= d->count[len];
        if (left < 0)
            return -1;
    }
    offs[1] = 0;
    for (int len = 1; len <= HUFF_MAX_BITS; len++)
        offs[len + 1] = (int16_t)(offs[len] + d->count[len]);
    for (int s = 0; s < n; s++)
        if (lens[s])
            d->symbol[offs[lens[s]]++] = (int16_t)s;
    return 0;
}

int huff_decode(const HuffDecoder *d, BitReader *r) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= HUFF_MAX_BITS; len++) {
        code |= (int)br_get(r, 1);
        int count = d->count[len];
        if (code - count < first)
            return d->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}
