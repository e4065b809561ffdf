/* wordfreq: counts the words of a generated text (multi-file, own Makefile).
 * Prints the ten most frequent words and a checksum; exits 0 when the counts
 * add up to the words seen. */
#include "report.h"
#include "table.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>

static unsigned long words_seen;

static void count_word(const char *word, size_t len, void *ctx) {
  table_add((struct table *)ctx, word, len);
  ++words_seen;
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
  unsigned long counted = 0;
  for (size_t i = 0; i < t.capacity; ++i)
    counted += t.slots[i].count;
  printf("distinct %zu words %lu\n", t.size, words_seen);
  printf("checksum: 0x%016lx\n", total);
  table_free(&t);
  free(text);
  if (counted != words_seen) {
    printf("FAIL: the table holds %lu words, %lu were seen\n", counted,
           words_seen);
    return 1;
  }
  return 0;
}
