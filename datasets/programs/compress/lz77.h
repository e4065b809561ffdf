/* compress: LZ77 parsing with a hash-chain match finder. */
#ifndef COMPRESS_LZ77_H
#define COMPRESS_LZ77_H

#include <stddef.h>
#include <stdint.h>

#define LZ_WINDOW 32768
#define LZ_MIN_MATCH 3
#define LZ_MAX_MATCH 258

typedef struct {
  uint16_t len;  /* 0 for a literal */
  uint16_t dist; /* 1..LZ_WINDOW for a match */
  uint8_t lit;
} Token;

typedef struct {
  int max_chain; /* candidates examined per position */
  int lazy;      /* defer a match if the next position has a longer one */
  int nice_len;  /* stop searching at this length */
} LzParams;

typedef struct {
  unsigned long literals, matches, match_bytes, chain_steps, lazy_defers;
} LzStats;

/* Parses in[0..n) into tokens (at most n of them); returns the count. */
size_t lz77_parse(const uint8_t *in, size_t n, Token *out, const LzParams *p,
                  LzStats *st);

#endif
