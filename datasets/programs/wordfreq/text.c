#include "text.h"

static unsigned next_random(unsigned *state) {
  *state = *state * 1103515245u + 12345u;
  return (*state >> 16) & 0x7fff;
}

void text_generate(char *buf, size_t n, unsigned seed) {
  static const char *syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti",
                                    "vo", "an", "el", "or", "us", "qu", "th"};
  const size_t count = sizeof(syllables) / sizeof(syllables[0]);
  size_t pos = 0;
  while (pos + 16 < n) {
    unsigned parts = 1 + next_random(&seed) % 3;
    size_t start = pos;
    for (unsigned p = 0; p < parts; ++p) {
      const char *s = syllables[next_random(&seed) % count];
      while (*s)
        buf[pos++] = *s++;
    }
    /* Capitalized words must count as the same word. */
    if (next_random(&seed) % 7 == 0)
      buf[start] = (char)(buf[start] - 'a' + 'A');
    if (next_random(&seed) % 11 == 0)
      buf[pos++] = ',';
    buf[pos++] = next_random(&seed) % 17 == 0 ? '\n' : ' ';
  }
  buf[pos] = '\0';
}

static int is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void text_words(const char *text,
                void (*visit)(const char *word, size_t len, void *ctx),
                void *ctx) {
  char word[64];
  size_t len = 0;
  for (const char *p = text;; ++p) {
    if (*p && is_letter(*p)) {
      if (len + 1 < sizeof(word))
        word[len++] = (char)(*p | 0x20);
      continue;
    }
    if (len) {
      word[len] = '\0';
      visit(word, len, ctx);
      len = 0;
    }
    if (!*p)
      break;
  }
}
