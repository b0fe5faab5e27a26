/* SPDX-License-Identifier: MIT */
/* Internal: allocation of the analytics' large columns. Touching fresh memory page by page is
 * expensive (a fault per 4 KiB page: about a quarter of a second per 56 MB on this project's
 * virtual machines), so blocks of 2 MiB and more are 2 MiB-aligned and ask the kernel for
 * transparent huge pages (madvise; a hint, ignored where unsupported). */
#ifndef SOUK_ANALYTICS_BIGMEM_H
#define SOUK_ANALYTICS_BIGMEM_H

#include <stddef.h>

/* NULL when out of memory (or size overflows). Free with free(). */
void *souk__big_alloc(size_t size);
/* souk__big_alloc(n * size) with an overflow check. */
void *souk__big_array(size_t n, size_t size);

#endif /* SOUK_ANALYTICS_BIGMEM_H */
