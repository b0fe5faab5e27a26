/* SPDX-License-Identifier: MIT */
/* Reading Shopify sitemaps: the <loc> URLs of /sitemap.xml (which lists
 * sitemap_products_N.xml files) and of each product sitemap (which lists /products/<handle>
 * pages). Pure functions of their input, fuzzable. */
#ifndef SOUK_SHOPIFY_SITEMAP_H
#define SOUK_SHOPIFY_SITEMAP_H

#include <stddef.h>

/* Calls fn for each <loc> value of an XML sitemap, with XML entities (&amp; &lt; &gt; &quot;
 * &apos; and numeric ones) decoded, in document order; stops early when fn returns non-zero.
 * Values longer than 2048 bytes are skipped. Returns how many were found. */
size_t souk_sitemap_locs(const char *xml, size_t len, int (*fn)(const char *loc, void *ud),
                         void *ud);

/* The product handle of a product page URL (".../products/<handle>", maybe with a query or
 * a trailing slash), copied into out; 0 on success, -1 when the URL is not a product page. */
int souk_sitemap_product_handle(const char *url, char *out, size_t len);

#endif /* SOUK_SHOPIFY_SITEMAP_H */
