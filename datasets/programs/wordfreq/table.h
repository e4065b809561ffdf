/* An open-addressing hash table from words to counts. */
#ifndef WORDFREQ_TABLE_H
#define WORDFREQ_TABLE_H

#include <stddef.h>

struct entry {
  char word[64];
  unsigned count;
};

struct table {
  struct entry *slots;
  size_t capacity;
  size_t size;
};

void table_init(struct table *t, size_t capacity);
void table_free(struct table *t);
void table_add(struct table *t, const char *word, size_t len);

#endif
