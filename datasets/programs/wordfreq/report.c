#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_count_then_word(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  if (x->count != y->count)
    return x->count < y->count ? 1 : -1;
  return strcmp(x->word, y->word);
}

unsigned long report_top(const struct table *t, size_t top) {
  struct entry *sorted = malloc(t->size * sizeof(struct entry));
  size_t n = 0;
  for (size_t i = 0; i < t->capacity; ++i)
    if (t->slots[i].count)
      sorted[n++] = t->slots[i];
  qsort(sorted, n, sizeof(struct entry), by_count_then_word);
  unsigned long sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i < top)
      printf("%-12s %u\n", sorted[i].word, sorted[i].count);
    for (const char *c = sorted[i].word; *c; ++c)
      sum = sum * 31 + (unsigned char)*c;
    sum = sum * 7 + sorted[i].count;
  }
  free(sorted);
  return sum;
}
