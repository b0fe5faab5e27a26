/* SPDX-License-Identifier: MIT */
/* Large allocations backed by transparent huge pages where the kernel offers them. */
#include "analytics/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *souk__big_alloc(size_t size) {
  if (size < HUGE_PAGE)
    return malloc(size ? size : 1);
  if (size > SIZE_MAX - HUGE_PAGE)
    return NULL;
  size_t rounded = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  void *p = NULL;
  if (posix_memalign(&p, HUGE_PAGE, rounded) != 0)
    return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

void *souk__big_array(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    return NULL;
  return souk__big_alloc(n * size);
}
