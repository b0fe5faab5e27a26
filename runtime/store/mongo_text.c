/* SPDX-License-Identifier: MIT */
/* Text search for the MongoDB backend: the stored search field and the per-word patterns,
 * tokenized by SQLite's FTS5 unicode61 tokenizer so that both backends find the same products.
 *
 * MongoDB's $text has its own stemming and language rules (and wire-compatible test servers
 * have none), so the backend keeps a field of folded words — " red widget 5\n vendor2\n ..." —
 * and matches each word the user typed as an unanchored $regex " tok1 tok2...": the tokens as
 * a phrase, the last one a prefix, all words required, exactly FTS5's `"word"* "word"*`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "souk/error.h"
#include "store/mongo_int.h"

int souk__mongo_text_init(souk__mongo_text *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "cannot open SQLite for the text tokenizer");
    sqlite3_close(db);
    return SOUK_ESTORE;
  }
  t->db = db;
  /* The documented way to reach the FTS5 API: SELECT fts5(?1) with a pointer binding. */
  fts5_api *api = NULL;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
  }
  sqlite3_finalize(st);
  fts5_tokenizer *tok = calloc(1, sizeof *tok);
  void *user = NULL;
  const char *args[] = {"remove_diacritics", "2"};
  Fts5Tokenizer *inst = NULL;
  if (!api || !tok || api->xFindTokenizer(api, "unicode61", &user, tok) != SQLITE_OK ||
      tok->xCreate(user, args, 2, &inst) != SQLITE_OK) {
    snprintf(err, errlen, "SQLite's FTS5 unicode61 tokenizer is not available");
    free(tok);
    souk__mongo_text_free(t);
    return SOUK_ESTORE;
  }
  t->api = tok;
  t->tokenizer = inst;
  return 0;
}

void souk__mongo_text_free(souk__mongo_text *t) {
  const fts5_tokenizer *tok = t->api;
  if (tok && t->tokenizer)
    tok->xDelete(t->tokenizer);
  free((void *)tok);
  if (t->db)
    sqlite3_close(t->db);
  memset(t, 0, sizeof *t);
}

typedef struct tok_ctx {
  souk_buf *out;
  int rc;
  size_t ntokens;
  bool escape; /* for a pattern: escape what a regex would read */
} tok_ctx;

static int on_token(void *ud, int flags, const char *token, int len, int start, int end) {
  (void)flags, (void)start, (void)end;
  tok_ctx *c = ud;
  if (c->rc)
    return SQLITE_ERROR;
  c->rc = souk_buf_addc(c->out, ' ');
  for (int i = 0; i < len && !c->rc; i++) {
    /* unicode61 tokens hold letters and digits only; escaping is belt and braces. */
    if (c->escape && strchr("\\^$.|?*+()[]{}", token[i]) && token[i])
      c->rc = souk_buf_addc(c->out, '\\');
    if (!c->rc)
      c->rc = souk_buf_addc(c->out, token[i]);
  }
  c->ntokens++;
  return c->rc ? SQLITE_ERROR : SQLITE_OK;
}

static int tokenize(souk__mongo_text *t, tok_ctx *c, int flags, const char *text, size_t len) {
  const fts5_tokenizer *tok = t->api;
  if (!text || !len)
    return 0;
  if (len > (size_t)INT32_MAX)
    return SOUK_ETOOBIG;
  int rc = tok->xTokenize(t->tokenizer, c, flags, text, (int)len, on_token);
  if (c->rc)
    return c->rc;
  return rc == SQLITE_OK ? 0 : SOUK_ESTORE;
}

int souk__mongo_text_field(souk__mongo_text *t, const char *title, const char *vendor,
                           const char *product_type, const char *tags_json, const char *body_text,
                           souk_buf *out) {
  souk_buf_reset(out);
  /* The columns of the SQLite backend's products_fts, tags as their JSON text like there. */
  const char *cols[] = {title, vendor, product_type, tags_json, body_text};
  tok_ctx c = {.out = out};
  int rc = 0;
  for (size_t i = 0; i < 5 && !rc; i++) {
    if (i)
      rc = souk_buf_addc(out, '\n');
    if (!rc && cols[i])
      rc = tokenize(t, &c, FTS5_TOKENIZE_DOCUMENT, cols[i], strlen(cols[i]));
  }
  if (!rc && !out->data)
    rc = souk_buf_adds(out, "");
  return rc;
}

/* The SQLite backend's limit: its FTS5 query ("w1"* "w2"*, quotes doubled) fits 1024 bytes. */
static bool fits_like_sqlite(const char *text) {
  size_t o = 0, len = 1024;
  int words = 0;
  const char *p = text;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n')
      p++;
    if (!*p)
      break;
    if (o + 4 >= len)
      return false;
    if (words++)
      o++;
    o++;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
      if (o + 4 >= len)
        return false;
      if (*p == '"')
        o++;
      o++;
      p++;
    }
    o += 2;
  }
  return words > 0;
}

int souk__mongo_text_patterns(mongo_store *s, const char *text, souk_buf *out, size_t *npatterns) {
  *npatterns = 0;
  souk_buf_reset(out);
  if (!fits_like_sqlite(text))
    return souk__store_error(&s->base, SOUK_EINVAL, "the search text is empty or too long");
  const char *p = text;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n')
      p++;
    if (!*p)
      break;
    const char *w = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n')
      p++;
    size_t mark = out->len;
    tok_ctx c = {.out = out, .escape = true};
    int rc = tokenize(&s->text, &c, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, w, (size_t)(p - w));
    if (rc)
      return souk__store_error(&s->base, rc, "the search text could not be split into words");
    if (c.ntokens == 0) {
      out->len = mark; /* "-" alone: FTS5 drops the empty phrase */
      if (out->data)
        out->data[mark] = '\0';
      continue;
    }
    rc = souk_buf_add(out, "", 1); /* the NUL ending this pattern */
    if (rc)
      return souk__store_error(&s->base, rc, "the search text is too long");
    (*npatterns)++;
  }
  return 0;
}
