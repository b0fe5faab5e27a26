/* SPDX-License-Identifier: MIT */
/* The demo stores: the bundled real storefront captures served on loopback by the Shopify
 * storefront emulator, so that `souk run` (and anyone trying souk) has real stores to crawl
 * without internet. One store per capture, each on its own port of 127.0.0.1. */
#ifndef SOUK_CLI_DEMO_STORE_H
#define SOUK_CLI_DEMO_STORE_H

#include <stddef.h>

#include <uv.h>

#include "core/errinfo.h"

#define SOUK_DEMO_MAX_STORES 4

typedef struct souk_demo souk_demo;

/* Serves the demo stores on `loop` (port 0: ephemeral ports; else consecutive ports from it).
 * NULL with e filled when the captures cannot be found or a port cannot be bound. */
souk_demo *souk_demo_start(uv_loop_t *loop, int port, souk_errinfo *e);
size_t souk_demo_count(const souk_demo *d);
const char *souk_demo_url(const souk_demo *d, size_t i);   /* "http://127.0.0.1:PORT" */
const char *souk_demo_name(const souk_demo *d, size_t i);
/* Stops serving; the handles close on the loop, which must run for that. */
void souk_demo_stop(souk_demo *d);

/* The directory holding the bundled captures, or NULL (e says where it looked). */
const char *souk_demo_dir(souk_errinfo *e);

#endif /* SOUK_CLI_DEMO_STORE_H */
