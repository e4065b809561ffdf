/* Generates a deterministic pseudo-English text and splits it into words. */
#ifndef WORDFREQ_TEXT_H
#define WORDFREQ_TEXT_H

#include <stddef.h>

/* Fills buf with n-1 characters of generated text and a terminating NUL. */
void text_generate(char *buf, size_t n, unsigned seed);

/* Calls visit(word, length, ctx) for each maximal run of letters, lowered. */
void text_words(const char *text,
                void (*visit)(const char *word, size_t len, void *ctx),
                void *ctx);

#endif
