/* wordfreq: counts the words of a generated text (multi-file, own Makefile).
 * Prints the ten most frequent words and a checksum; exits 0. */
#include "report.h"
#include "table.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>

static void count_word(const char *word, size_t len, void *ctx) {
  table_add((struct table *)ctx, word, len);
}

int main(void) {
  enum { TextSize = 1 << 20 };
  char *text = malloc(TextSize);
  struct table t;
  table_init(&t, 64);
  unsigned long total = 0;
  for (unsigned round = 0; round < 4; ++round) {
    text_generate(text, TextSize, 2024u + round);
    text_words(text, count_word, &t);
  }
  total = report_top(&t, 10);
  printf("distinct %zu checksum %lu\n", t.size, total);
  table_free(&t);
  free(text);
  return 0;
}
