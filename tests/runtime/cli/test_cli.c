/* SPDX-License-Identifier: MIT */
/* The souk executable as a user runs it: help, version, exit codes, configuration errors,
 * secrets never printed, and scrape -> export -> check against the fixture store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fixture_store.h"

typedef struct run_result {
  int status;
  char out[65536];
  char err[65536];
} run_result;

/* Runs `souk ARGS` in the case's directory with extra environment; captures both streams. */
static run_result *run(const char *env, const char *args) {
  static run_result r;
  memset(&r, 0, sizeof r);
  char cmd[20000], outp[4200], errp[4200];
  snprintf(outp, sizeof outp, "%s/stdout", souk_test_tmpdir());
  snprintf(errp, sizeof errp, "%s/stderr", souk_test_tmpdir());
  snprintf(cmd, sizeof cmd, "cd '%s' && env -u SOUK_LOG %s '%s' %s >'%s' 2>'%s'", souk_test_tmpdir(),
           env ? env : "", SOUK_TEST_SOUK_BIN, args, outp, errp);
  int st = system(cmd);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  FILE *f = fopen(outp, "r");
  if (f) {
    r.out[fread(r.out, 1, sizeof r.out - 1, f)] = '\0';
    fclose(f);
  }
  f = fopen(errp, "r");
  if (f) {
    r.err[fread(r.err, 1, sizeof r.err - 1, f)] = '\0';
    fclose(f);
  }
  return &r;
}

static const char *const commands[] = {"scrape", "export", "check", "fetch", "agents", "config", NULL};

TEST(help_and_version) {
  run_result *r = run(NULL, "--help");
  CHECK_INT(r->status, ==, 0);
  for (int i = 0; commands[i]; i++)
    CHECK_HAS(r->out, commands[i]);
  r = run(NULL, "--version");
  CHECK_INT(r->status, ==, 0);
  CHECK_HAS(r->out, "souk ");
  for (int i = 0; commands[i]; i++) {
    char args[64];
    snprintf(args, sizeof args, "%s --help", commands[i]);
    r = run(NULL, args);
    CHECK_INT(r->status, ==, 0);
    CHECK_HAS(r->out, "Usage: souk");
  }
  r = run(NULL, "");
  CHECK_INT(r->status, ==, 2);
  SAY("--help lists every command; --version; each command's --help exits 0; no command exits 2");
}

TEST(usage_errors_exit_2) {
  run_result *r = run(NULL, "frobnicate");
  CHECK_INT(r->status, ==, 2);
  CHECK_HAS(r->err, "unknown command 'frobnicate'");
  r = run(NULL, "scrape --rat 2 http://x");
  CHECK_INT(r->status, ==, 2);
  CHECK_HAS(r->err, "unknown option '--rat'");
  r = run(NULL, "scrape --rate");
  CHECK_INT(r->status, ==, 2);
  CHECK_HAS(r->err, "needs a value");
  r = run(NULL, "scrape --rate fast http://x");
  CHECK_INT(r->status, ==, 2);
  CHECK_HAS(r->err, "expected a number");
  r = run(NULL, "--set http.rat=1 config");
  CHECK_INT(r->status, ==, 2);
  CHECK_HAS(r->err, "did you mean 'http.rate'");
  r = run("SOUK_HTTP_RETRYS=3", "config");
  CHECK_INT(r->status, ==, 2);
  CHECK_HAS(r->err, "unknown variable SOUK_HTTP_RETRYS");
  r = run(NULL, "scrape");
  CHECK_INT(r->status, ==, 2);
  SAY("unknown command, unknown option, missing value, bad value, unknown key and variable: exit 2 with the reason");
}

TEST(config_sources_and_secrets) {
  char path[4200];
  snprintf(path, sizeof path, "%s/souk.json", souk_test_tmpdir());
  FILE *f = fopen(path, "w");
  fputs("{\"http\": {\"rate\": 0.5}, \"data_dir\": \"from-file\"}", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/.env", souk_test_tmpdir());
  f = fopen(path, "w");
  fputs("MONGODB_URI=mongodb://admin:hunter2secret@db.example/souk\nSOUK_HTTP_RETRIES=7\n", f);
  fclose(f);
  run_result *r = run("SOUK_HTTP_RETRIES=8", "config --set http.burst=9");
  CHECK_INT(r->status, ==, 0);
  CHECK_HAS(r->out, "config file");
  CHECK(strstr(r->out, "hunter2secret") == NULL);
  CHECK_HAS(r->out, "admin:***@db.example");
  r = run("SOUK_HTTP_RETRIES=8", "config --get http.retries");
  CHECK_STR(r->out, "8\n");
  r = run(NULL, "config --get http.retries");
  CHECK_STR(r->out, "7\n");
  r = run(NULL, "config --get http.rate");
  CHECK_STR(r->out, "0.5\n");
  r = run(NULL, "--data-dir cli-dir config --get data_dir");
  CHECK_STR(r->out, "cli-dir\n");
  r = run(NULL, "config --json");
  CHECK(strstr(r->out, "hunter2secret") == NULL);
  remove(path);
  snprintf(path, sizeof path, "%s/souk.json", souk_test_tmpdir());
  remove(path);
  SAY("souk.json < .env < environment < command line; the MongoDB password never printed");
}

/* A minimal RFC 4180 reader: counts records and checks every record has `cols` fields. */
static int csv_records(const char *path, int cols) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  int records = 0, fields = 1, c;
  bool quoted = false, bad = false;
  int prev = 0;
  while ((c = fgetc(f)) != EOF) {
    if (quoted) {
      if (c == '"') {
        int n = fgetc(f);
        if (n == '"')
          continue;
        quoted = false;
        if (n == EOF)
          break;
        c = n;
      } else {
        prev = c;
        continue;
      }
    }
    if (c == '"')
      quoted = true;
    else if (c == ',')
      fields++;
    else if (c == '\n') {
      bad |= prev != '\r';
      bad |= fields != cols;
      records++;
      fields = 1;
    }
    prev = c;
  }
  fclose(f);
  CHECK(!bad);
  CHECK(!quoted);
  return records;
}

TEST(scrape_export_check) {
  const char *caps[] = {souk_fixture_capture("soulandmore-eg_products_page1.json")};
  souk_storefront_options o = {.captures = caps, .ncaptures = 1, .currency = "EGP", .name = "Soul"};
  souk_fixture_store *fs = souk_fixture_store_start(&o, 0);
  char args[512];
  run_result *r = run(NULL, "check");
  CHECK_INT(r->status, ==, 0); /* nothing yet: nothing wrong */
  CHECK_HAS(r->out, "No store in the data yet");
  snprintf(args, sizeof args, "scrape --rate 0 %s", souk_fixture_store_url(fs));
  r = run(NULL, args);
  CHECK_MSG(r->status == 0, "scrape exit %d: %s", r->status, r->err);
  CHECK_HAS(r->out, "complete");
  CHECK_HAS(r->out, "183");
  snprintf(args, sizeof args, "scrape --json --rate 0 %s", souk_fixture_store_url(fs));
  r = run(NULL, args);
  CHECK_INT(r->status, ==, 0);
  CHECK_HAS(r->out, "\"new\": 0");
  r = run(NULL, "export");
  CHECK_INT(r->status, ==, 0);
  char path[4200];
  snprintf(path, sizeof path, "%s/data/shopify_products.csv", souk_test_tmpdir());
  CHECK_INT(csv_records(path, 23), ==, 184); /* header + 183 */
  snprintf(path, sizeof path, "%s/outputs/products_from_store.csv", souk_test_tmpdir());
  CHECK_INT(csv_records(path, 16), ==, 184);
  r = run(NULL, "export --variants");
  CHECK_INT(r->status, ==, 0);
  snprintf(path, sizeof path, "%s/data/shopify_products.csv", souk_test_tmpdir());
  CHECK_INT(csv_records(path, 17), ==, 319); /* header + 318 variants */
  r = run(NULL, "check --json");
  CHECK_MSG(r->status == 0 || r->status == 3, "check exit %d", r->status);
  CHECK_HAS(r->out, "\"listed\": 183");
  r = run(NULL, "check --stale-after 1ms");
  CHECK_INT(r->status, ==, 3);
  CHECK_HAS(r->out, "stale");
  souk_fixture_store_stop(fs);
  /* An unreachable store: exit 1 and the reason. */
  r = run(NULL, "scrape --rate 0 --set http.retries=0 http://127.0.0.1:1");
  CHECK_INT(r->status, ==, 1);
  CHECK_HAS(r->out, "failed");
  SAY("scrape 183 products (complete), again (0 new), export 183 product rows and 318 variant "
      "rows as valid RFC 4180, check exit 3 when stale, exit 1 for an unreachable store");
}
