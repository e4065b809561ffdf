/* compress: LSB-first bit streams (the DEFLATE bit order). */
#ifndef COMPRESS_BITIO_H
#define COMPRESS_BITIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *buf;
  size_t cap, len;
  uint64_t acc; /* pending bits, least significant first */
  int nbits;
} BitWriter;

typedef struct {
  const uint8_t *buf;
  size_t len, pos;
  uint64_t acc;
  int nbits;
  int overrun; /* set when reading past the end (zeros are returned) */
} BitReader;

void bw_init(BitWriter *w, size_t cap_hint);
void bw_free(BitWriter *w);
void bw_put(BitWriter *w, uint32_t bits, int n); /* n <= 32 */
void bw_align(BitWriter *w);                     /* pad to a byte boundary */
void bw_bytes(BitWriter *w, const uint8_t *p, size_t n); /* byte aligned */
size_t bw_bit_count(const BitWriter *w);

void br_init(BitReader *r, const uint8_t *buf, size_t len);
uint32_t br_get(BitReader *r, int n); /* n <= 32 */
void br_align(BitReader *r);
int br_bytes(BitReader *r, uint8_t *out,
             size_t n); /* byte aligned; 0 on overrun */

uint32_t bit_reverse(uint32_t code, int len);

#endif
