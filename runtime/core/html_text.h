/* SPDX-License-Identifier: MIT */
/* The visible text of a product's body_html, as the analytics define it for
 * description_length (docs/scoring.md), shared by the analytics tools and the store.
 *
 * The definition, applied in this order:
 *   1. remove every match of the regular expression `<[^>]*>`: a `<` up to the next `>`,
 *      inclusive; a `<` with no later `>` stays text (and so does everything after it);
 *   2. decode character references written with their semicolon: `&#N;` (decimal) and
 *      `&#xH;` / `&#XH;` (hexadecimal) give code point N or H, except 0, the surrogates
 *      U+D800..U+DFFF and values above U+10FFFF, which give U+FFFD; `&name;` gives the
 *      HTML 4.01 named entity `name` (the 252 of the HTML 4.01 DTDs, case-sensitive: `&amp;`,
 *      `&nbsp;`, `&rsquo;` ...). Anything else (unknown names such as `&apos;`, no semicolon,
 *      no digits) stays as written. Decoding is one pass: `&amp;lt;` gives `&lt;`;
 *   3. collapse every run of ASCII whitespace (space, tab, LF, FF, CR) to one space;
 *   4. trim spaces at both ends.
 * Its length is counted in Unicode code points. The input is expected to be UTF-8; bytes
 * are passed through unchanged, and the count counts every byte that does not continue a
 * UTF-8 sequence (one per code point on valid input).
 *
 * Pure functions: no allocation (except in the output buffer), safe on any thread, linear in
 * the input.
 */
#ifndef SOUK_CORE_HTML_TEXT_H
#define SOUK_CORE_HTML_TEXT_H

#include <stddef.h>

#include "core/buf.h"

/* The number of code points of the visible text of html[0..len). html may be NULL (0). */
size_t souk_html_text_length(const char *html, size_t len);

/* Appends the visible text of html[0..len) to `out` as UTF-8 (html may be NULL: nothing is
 * appended). Returns 0, or SOUK_ETOOBIG / SOUK_ENOMEM from the buffer, which then holds
 * what it held before the call. */
int souk_html_text(const char *html, size_t len, souk_buf *out);

#endif /* SOUK_CORE_HTML_TEXT_H */
