#include "table.h"

#include <stdlib.h>
#include <string.h>

static unsigned long hash_word(const char *word, size_t len) {
  unsigned long h = 14695981039346656037ul;
  for (size_t i = 0; i < len; ++i)
    h = (h ^ (unsigned char)word[i]) * 1099511628211ul;
  return h;
}

void table_init(struct table *t, size_t capacity) {
  t->slots = calloc(capacity, sizeof(struct entry));
  t->capacity = capacity;
  t->size = 0;
}

void table_free(struct table *t) { free(t->slots); }

static void grow(struct table *t) {
  struct table bigger;
  table_init(&bigger, t->capacity * 2);
  for (size_t i = 0; i < t->capacity; ++i)
    if (t->slots[i].count) {
      size_t len = strlen(t->slots[i].word);
      size_t j = hash_word(t->slots[i].word, len) & (bigger.capacity - 1);
      while (bigger.slots[j].count)
        j = (j + 1) & (bigger.capacity - 1);
      bigger.slots[j] = t->slots[i];
      ++bigger.size;
    }
  table_free(t);
  *t = bigger;
}

void table_add(struct table *t, const char *word, size_t len) {
  if (2 * (t->size + 1) > t->capacity)
    grow(t);
  size_t j = hash_word(word, len) & (t->capacity - 1);
  while (t->slots[j].count && strcmp(t->slots[j].word, word) != 0)
    j = (j + 1) & (t->capacity - 1);
  if (!t->slots[j].count) {
    memcpy(t->slots[j].word, word, len + 1);
    ++t->size;
  }
  ++t->slots[j].count;
}
