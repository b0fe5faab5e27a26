/* SPDX-License-Identifier: MIT */
/* CSV exports of the store: the product table, the variant table, the analysis input. */
#include "store/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/csv.h"
#include "souk/error.h"

int souk_mkdirs(const char *dir, souk_errinfo *e) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s", dir);
  if (n <= 0 || (size_t)n >= sizeof path)
    return souk_errinfo_set(e, SOUK_EINVAL, "directory name too long");
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      return souk_errinfo_set(e, SOUK_EIO, "cannot create %s: %s", path, strerror(errno));
    *p = '/';
  }
  if (mkdir(path, 0777) != 0 && errno != EEXIST)
    return souk_errinfo_set(e, SOUK_EIO, "cannot create %s: %s", path, strerror(errno));
  return 0;
}

static const char *const product_columns[] = {
    "store", "id", "handle", "url", "title", "vendor", "product_type", "tags", "currency",
    "price_min", "price_max", "variants", "available_variants", "images", "description_length",
    "body_text", "created_at", "updated_at", "published_at", "first_seen", "last_seen",
    "last_changed", "delisted_at", NULL};

static const char *const variant_columns[] = {
    "store", "product_id", "handle", "title", "vendor", "product_type", "variant_id",
    "variant_title", "sku", "option1", "option2", "option3", "currency", "price",
    "compare_at_price", "available", "url", NULL};

static const char *const analysis_columns[] = {
    "store", "id", "title", "vendor", "product_type", "currency", "avg_price", "price_min",
    "price_max", "variants", "available_variants", "available_ratio", "num_tags", "num_images",
    "description_length", "last_changed", NULL};

static void header(souk_csv *w, const char *const *cols) {
  for (const char *const *c = cols; *c; c++)
    souk_csv_str(w, *c);
  souk_csv_end_row(w);
}

typedef struct export_ctx {
  souk_csv data, out;
  bool variants, with_out;
  unsigned long long products, rows;
} export_ctx;

static void tags_field(souk_csv *w, const souk_stored_product *p) {
  size_t len = 1;
  for (size_t i = 0; i < p->ntags; i++)
    len += strlen(p->tags[i]) + 2;
  char *joined = malloc(len);
  if (!joined) {
    souk_csv_str(w, NULL);
    return;
  }
  joined[0] = '\0';
  for (size_t i = 0; i < p->ntags; i++) {
    if (i)
      strcat(joined, ", ");
    strcat(joined, p->tags[i]);
  }
  souk_csv_str(w, joined);
  free(joined);
}

static int write_row(const souk_stored_product *p, void *ud) {
  export_ctx *x = ud;
  souk_csv *w = &x->data;
  int dec = p->price_decimals;
  x->products++;
  if (!x->variants) {
    souk_csv_str(w, p->store);
    souk_csv_int(w, p->id);
    souk_csv_str(w, p->handle);
    souk_csv_str(w, p->url);
    souk_csv_str(w, p->title);
    souk_csv_str(w, p->vendor);
    souk_csv_str(w, p->product_type);
    tags_field(w, p);
    souk_csv_str(w, p->currency);
    souk_csv_money(w, p->price_min, dec);
    souk_csv_money(w, p->price_max, dec);
    souk_csv_int(w, (long long)p->nvariants);
    souk_csv_int(w, (long long)p->navailable);
    souk_csv_int(w, (long long)p->nimages);
    souk_csv_int(w, (long long)p->description_length);
    souk_csv_str(w, p->body_text);
    souk_csv_str(w, p->created_at);
    souk_csv_str(w, p->updated_at);
    souk_csv_str(w, p->published_at);
    souk_csv_str(w, p->first_seen);
    souk_csv_str(w, p->last_seen);
    souk_csv_str(w, p->last_changed);
    souk_csv_str(w, p->delisted_at);
    souk_csv_end_row(w);
    x->rows++;
  } else {
    for (size_t i = 0; p->full && i < p->full->nvariants; i++) {
      const souk_variant *v = &p->full->variants[i];
      souk_csv_str(w, p->store);
      souk_csv_int(w, p->id);
      souk_csv_str(w, p->handle);
      souk_csv_str(w, p->title);
      souk_csv_str(w, p->vendor);
      souk_csv_str(w, p->product_type);
      souk_csv_int(w, v->id);
      souk_csv_str(w, v->title);
      souk_csv_str(w, v->sku);
      souk_csv_str(w, v->options[0]);
      souk_csv_str(w, v->options[1]);
      souk_csv_str(w, v->options[2]);
      souk_csv_str(w, p->currency);
      souk_csv_money(w, v->price, dec);
      souk_csv_money(w, v->compare_at_price, dec);
      if (v->available < 0)
        souk_csv_str(w, NULL);
      else
        souk_csv_int(w, v->available);
      souk_csv_str(w, p->url);
      souk_csv_end_row(w);
      x->rows++;
    }
  }
  if (x->with_out) {
    souk_csv *o = &x->out;
    double scale = 1;
    for (int i = 0; i < dec; i++)
      scale *= 10;
    souk_csv_str(o, p->store);
    souk_csv_int(o, p->id);
    souk_csv_str(o, p->title);
    souk_csv_str(o, p->vendor);
    souk_csv_str(o, p->product_type);
    souk_csv_str(o, p->currency);
    if (p->priced_variants)
      souk_csv_double(o, (double)p->price_sum / (double)p->priced_variants / scale);
    else
      souk_csv_str(o, NULL);
    souk_csv_money(o, p->price_min, dec);
    souk_csv_money(o, p->price_max, dec);
    souk_csv_int(o, (long long)p->nvariants);
    souk_csv_int(o, (long long)p->navailable);
    souk_csv_double(o, p->nvariants ? (double)p->navailable / (double)p->nvariants : 0.0);
    souk_csv_int(o, (long long)p->ntags);
    souk_csv_int(o, (long long)p->nimages);
    souk_csv_int(o, (long long)p->description_length);
    souk_csv_str(o, p->last_changed);
    souk_csv_end_row(o);
  }
  return w->error || (x->with_out && x->out.error);
}

static FILE *open_tmp(const char *path, char *tmp, size_t len, souk_errinfo *e) {
  snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f)
    souk_errinfo_set(e, SOUK_EIO, "cannot write %s: %s", path, strerror(errno));
  return f;
}

static int finish_file(FILE *f, const char *tmp, const char *path, bool ok, souk_errinfo *e) {
  bool closed = fclose(f) == 0;
  if (!ok || !closed) {
    remove(tmp);
    return souk_errinfo_set(e, SOUK_EIO, "writing %s failed", path);
  }
  if (rename(tmp, path) != 0) {
    remove(tmp);
    return souk_errinfo_set(e, SOUK_EIO, "cannot rename to %s: %s", path, strerror(errno));
  }
  return 0;
}

int souk_export_csv(souk_store *s, const souk_export_options *o, souk_export_result *res,
                    souk_errinfo *e) {
  memset(res, 0, sizeof *res);
  int rc = souk_mkdirs(o->data_dir, e);
  if (rc)
    return rc;
  if (o->output_dir && (rc = souk_mkdirs(o->output_dir, e)) != 0)
    return rc;
  snprintf(res->data_path, sizeof res->data_path, "%s/shopify_products.csv", o->data_dir);
  char tmp_data[4200], tmp_out[4200];
  FILE *fd = open_tmp(res->data_path, tmp_data, sizeof tmp_data, e);
  if (!fd)
    return SOUK_EIO;
  FILE *fo = NULL;
  if (o->output_dir) {
    snprintf(res->output_path, sizeof res->output_path, "%s/products_from_store.csv", o->output_dir);
    fo = open_tmp(res->output_path, tmp_out, sizeof tmp_out, e);
    if (!fo) {
      fclose(fd);
      remove(tmp_data);
      return SOUK_EIO;
    }
  }
  export_ctx x = {.variants = o->variants, .with_out = fo != NULL};
  souk_csv_init(&x.data, fd);
  header(&x.data, o->variants ? variant_columns : product_columns);
  if (fo) {
    souk_csv_init(&x.out, fo);
    header(&x.out, analysis_columns);
  }
  souk_query q;
  if (o->filter)
    q = *o->filter;
  else
    souk_query_init(&q);
  q.flags |= SOUK_QUERY_FULL;
  q.limit = 0;
  q.cursor = NULL;
  rc = souk_store_query(s, &q, write_row, &x, NULL);
  bool ok = rc == 0 && !x.data.error && !(fo && x.out.error);
  if (rc)
    souk_errinfo_set(e, rc, "reading the store: %s", souk_store_errmsg(s));
  int rc2 = finish_file(fd, tmp_data, res->data_path, ok, rc ? NULL : e);
  int rc3 = fo ? finish_file(fo, tmp_out, res->output_path, ok && rc2 == 0, rc || rc2 ? NULL : e) : 0;
  res->products = x.products;
  res->rows = x.rows;
  return rc ? rc : rc2 ? rc2 : rc3;
}
