/* SPDX-License-Identifier: MIT */
/* Tests of core/html_text: the visible text of body_html and its length in code points
 * (the description_length metric), case by case and against the Python reference. */
#include "check.h"

#include <stdint.h>

#include "core/buf.h"
#include "core/html_text.h"
#include "souk/error.h"

/* The visible text of s, in a static buffer. */
static const char *text(const char *s) {
  static char out[4096];
  souk_buf b;
  souk_buf_init(&b, 0);
  CHECK_INT(souk_html_text(s, strlen(s), &b), ==, 0);
  snprintf(out, sizeof out, "%s", b.data ? b.data : "");
  souk_buf_free(&b);
  return out;
}

static size_t len(const char *s) {
  return souk_html_text_length(s, strlen(s));
}

/* Checks the text and that the length agrees with it. */
#define CHECK_TEXT(in, want, cps)                                                      \
  do {                                                                                 \
    CHECK_STR(text(in), want);                                                         \
    CHECK_INT(len(in), ==, cps);                                                       \
  } while (0)

TEST(plain_text) {
  CHECK_TEXT("Linen shirt", "Linen shirt", 11);
  CHECK_TEXT("", "", 0);
  CHECK_INT(souk_html_text_length(NULL, 10), ==, 0);
  CHECK_TEXT("Caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x91\x95", "Caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x91\x95",
             10);
  SAY("plain ASCII and UTF-8 text is kept; length counts code points (emoji = 1)");
}

TEST(tags_removed) {
  CHECK_TEXT("<p>Soft <strong>linen</strong></p>", "Soft linen", 10);
  CHECK_TEXT("<p class=\"a\" data-x='1>2'>x</p>", "2'>x", 4); /* the first '>' ends a tag */
  CHECK_TEXT("a<b<c>d", "ad", 2);                             /* `<[^>]*>` spans "<b<c>" */
  CHECK_TEXT("3 < 5", "3 < 5", 5);                            /* no later '>': text */
  CHECK_TEXT("x <y> 3 < 5", "x 3 < 5", 7);
  CHECK_TEXT("a<!-- note -->b", "ab", 2);
  CHECK_TEXT("<br/>", "", 0);
  CHECK_TEXT("a>b", "a>b", 3);
  SAY("every `<...>` is removed; a '<' with no later '>' and a lone '>' stay text");
}

TEST(named_entities) {
  CHECK_TEXT("Fish &amp; chips", "Fish & chips", 12);
  CHECK_TEXT("it&rsquo;s", "it\xE2\x80\x99s", 4);
  CHECK_TEXT("caf&eacute;", "caf\xC3\xA9", 4);
  CHECK_TEXT("&AElig;&thetasym;&zwnj;", "\xC3\x86\xCF\x91\xE2\x80\x8C", 3);
  CHECK_TEXT("&apos;", "&apos;", 6);       /* not an HTML 4 entity */
  CHECK_TEXT("&AMP;", "&AMP;", 5);         /* names are case-sensitive */
  CHECK_TEXT("&amp", "&amp", 4);           /* no semicolon */
  CHECK_TEXT("&bogus; &", "&bogus; &", 9);
  CHECK_TEXT("&amp;lt;", "&lt;", 4);       /* one pass */
  CHECK_TEXT("&lt;b&gt;", "<b>", 3);       /* decoded after tags are removed: stays */
  CHECK_TEXT("&am<i>p;", "&", 1);          /* tags are removed first */
  CHECK_TEXT("&thetasymx;", "&thetasymx;", 11);
  SAY("HTML 4 named entities with their semicolon decode, once; unknown or unterminated "
      "ones stay as written");
}

TEST(numeric_references) {
  CHECK_TEXT("&#65;&#x42;&#X43;", "ABC", 3);
  CHECK_TEXT("&#0000065;", "A", 1);
  CHECK_TEXT("&#233;t&#xE9;", "\xC3\xA9t\xC3\xA9", 3);
  CHECK_TEXT("&#x1F455;", "\xF0\x9F\x91\x95", 1);
  CHECK_TEXT("&#0;", "\xEF\xBF\xBD", 1);
  CHECK_TEXT("&#xD800;&#xDFFF;", "\xEF\xBF\xBD\xEF\xBF\xBD", 2);
  CHECK_TEXT("&#x110000;", "\xEF\xBF\xBD", 1);
  CHECK_TEXT("&#99999999999999999999999999;", "\xEF\xBF\xBD", 1);
  CHECK_TEXT("&#x10FFFF;", "\xF4\x8F\xBF\xBF", 1);
  CHECK_TEXT("&#;&#x;&#65", "&#;&#x;&#65", 11);
  CHECK_TEXT("&#x41g;", "&#x41g;", 7);
  SAY("&#N; &#xH; &#XH; decode; 0, surrogates and > U+10FFFF give U+FFFD; malformed stay");
}

TEST(whitespace) {
  CHECK_TEXT("  a \t\n\r\f b  ", "a b", 3);
  CHECK_TEXT("<p>a</p>\n\n<p>b</p>\n", "a b", 3);
  CHECK_TEXT("a&#32;&#9; b", "a b", 3);                       /* decoded spaces collapse too */
  CHECK_TEXT("a&nbsp;b", "a\xC2\xA0" "b", 3);                  /* U+00A0 is not ASCII space */
  CHECK_TEXT("a\vb", "a\vb", 3);                               /* VT is not ASCII whitespace */
  CHECK_TEXT(" &nbsp; ", "\xC2\xA0", 1);
  CHECK_TEXT(" \n <br> \t", "", 0);
  SAY("runs of ASCII whitespace become one space, trimmed at both ends; NBSP and VT count");
}

TEST(buffer_limits) {
  souk_buf b;
  souk_buf_init(&b, 8);
  CHECK_INT(souk_buf_adds(&b, "ab"), ==, 0);
  CHECK_INT(souk_html_text("<p>0123456789</p>", 17, &b), ==, SOUK_ETOOBIG);
  CHECK_STR(b.data, "ab");
  CHECK_INT(b.len, ==, 2);
  CHECK_INT(souk_html_text("<i>xyz</i>", 10, &b), ==, 0);
  CHECK_STR(b.data, "abxyz");
  souk_buf_free(&b);
  /* Bytes after a NUL inside the given length are text too. */
  CHECK_INT(souk_html_text_length("a\0b", 3), ==, 3);
  SAY("a full buffer gives SOUK_ETOOBIG and keeps its contents; text appends");
}

TEST(long_input_linear) {
  /* 2 MB of '<' with no '>' and 2 MB of '&#' with no ';' stay linear. */
  size_t n = 2u << 20;
  char *s = malloc(n + 1);
  CHECK(s != NULL);
  memset(s, '<', n);
  s[n] = '\0';
  CHECK_INT(souk_html_text_length(s, n), ==, n);
  for (size_t i = 0; i < n; i += 2) {
    s[i] = '&';
    s[i + 1] = '#';
  }
  CHECK_INT(souk_html_text_length(s, n), ==, n);
  memset(s, '1', n);
  s[0] = '&';
  s[1] = '#';
  CHECK_INT(souk_html_text_length(s, n), ==, n);
  free(s);
  SAY("4 MB of pathological input ('<' without '>', '&#' without ';') counted in linear time");
}

/* Random snippets over an alphabet full of edge cases, compared with the Python reference
 * (tests/tools/reference_pipeline.py, visible_text). */
TEST(matches_python_reference) {
  if (system("/usr/bin/python3 -c 'import pandas, sklearn' >/dev/null 2>&1") != 0)
    SKIP("/usr/bin/python3 lacks pandas/scikit-learn (apt-get install python3-pandas "
         "python3-sklearn)");
  static const char *const atoms[] = {
      "<", ">", "<p>", "</p>", "<br/>", "&", ";", "#", "x", "X", "amp", "&amp;", "&nbsp;", "&#",
      "&#x", "65", "1F455", "D800", "0", "a", "Z", " ", "  ", "\t", "\n", "\r\n", "\f", "\v",
      "\xC3\xA9", "\xE2\x82\xAC", "&rsquo;", "&apos;", "&lt;", "thetasym", "&#233;", "<!-- -->",
      "\xC2\xA0", "Linen shirt, made in small batches ", "   \n\t   \r\n      ",
      "caf\xC3\xA9\xE2\x80\x99s-long-words-without-spaces-at-all"};
  const int natoms = (int)(sizeof atoms / sizeof atoms[0]);
  char path[4200], cmd[9000];
  snprintf(path, sizeof path, "%s/snippets.jsonl", souk_test_tmpdir());
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  uint64_t x = 12345;
  enum { N = 3000 };
  static size_t want[N];
  for (int i = 0; i < N; i++) {
    char s[2400] = "";
    int parts = 1 + (int)((x >> 33) % 40);
    for (int p = 0; p < parts; p++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      strcat(s, atoms[(x >> 33) % (uint64_t)natoms]);
    }
    want[i] = len(s);
    /* JSON string: escape what needs it. */
    fputc('"', f);
    for (const char *c = s; *c; c++) {
      if (*c == '"' || *c == '\\')
        fprintf(f, "\\%c", *c);
      else if ((unsigned char)*c < 0x20)
        fprintf(f, "\\u%04x", *c);
      else
        fputc(*c, f);
    }
    fputs("\"\n", f);
  }
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "cd '%s/tools' && /usr/bin/python3 -c 'import json,sys; from reference_pipeline "
           "import visible_text; [print(len(visible_text(json.loads(l)))) for l in "
           "open(sys.argv[1], encoding=\"utf-8\")]' '%s'",
           souk_test_source_dir(), path);
  FILE *p = popen(cmd, "r");
  CHECK(p != NULL);
  int i = 0;
  size_t got;
  while (i < N && fscanf(p, "%zu", &got) == 1) {
    CHECK_MSG(got == want[i], "snippet %d: C %zu, Python %zu", i, want[i], got);
    i++;
  }
  CHECK_INT(pclose(p), ==, 0);
  CHECK_INT(i, ==, N);
  SAY("%d random snippets of tags, references and whitespace: C and Python lengths agree", N);
}
