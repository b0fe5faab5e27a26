/* SPDX-License-Identifier: MIT */
/* Serving a Shopify storefront emulator through the loopback HTTP server: the route handler
 * that turns an httpd request into a storefront answer. Used by the demo stores and by the
 * tests' fixture store. */
#ifndef SOUK_SHOPIFY_STOREFRONT_HTTPD_H
#define SOUK_SHOPIFY_STOREFRONT_HTTPD_H

#include "httpd/server.h"
#include "shopify/storefront.h"

/* A souk_httpd_handler; `ud` is the souk_storefront to answer from. */
void souk_storefront_httpd_handler(const souk_httpd_request *req, souk_httpd_response *res,
                                   void *ud);

/* The same for a caller that must hold a lock around the storefront (`ud` as above). */
void souk_storefront_httpd_answer(souk_storefront *sf, const souk_httpd_request *req,
                                  souk_httpd_response *res);

#endif /* SOUK_SHOPIFY_STOREFRONT_HTTPD_H */
