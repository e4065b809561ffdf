/* compress: length-limited canonical Huffman codes. */
#ifndef COMPRESS_HUFFMAN_H
#define COMPRESS_HUFFMAN_H

#include "bitio.h"

#include <stdint.h>

#define HUFF_MAX_BITS 15
#define HUFF_MAX_SYMS 320

/* Code lengths (0 = unused, at most max_bits) from symbol frequencies.
 * At least two symbols always get a code so that the code is complete.
 * Returns how many leaves had to be moved up to respect max_bits. */
int huff_lengths(const uint32_t *freq, int n, int max_bits, uint8_t *lens);

/* Canonical codes for the lengths, bit-reversed for LSB-first output. */
void huff_codes(const uint8_t *lens, int n, uint16_t *codes);

/* Kraft sum of the lengths scaled by 2^HUFF_MAX_BITS (complete == 32768). */
uint32_t huff_kraft(const uint8_t *lens, int n);

typedef struct {
  int16_t count[HUFF_MAX_BITS + 1];
  int16_t symbol[HUFF_MAX_SYMS];
} HuffDecoder;

/* Returns 0 for a usable code, -1 if the lengths are over-subscribed. */
int huff_decoder_init(HuffDecoder *d, const uint8_t *lens, int n);

/* Next symbol from r, or -1 for an unused code. */
int huff_decode(const HuffDecoder *d, BitReader *r);

#endif
