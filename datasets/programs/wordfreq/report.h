/* Sorts the counted words and prints the most frequent with a checksum. */
#ifndef WORDFREQ_REPORT_H
#define WORDFREQ_REPORT_H

#include "table.h"

/* Prints the top words; returns a checksum over the whole sorted table. */
unsigned long report_top(const struct table *t, size_t top);

#endif
