/* SPDX-License-Identifier: MIT */
/* Output files of the analytics: directories, atomic writes, exact numbers, CSV quoting. */
#include "analytics/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "souk/error.h"

int souk__mkdirs(const char *dir, souk_errinfo *e) {
  char p[4096];
  size_t len = strlen(dir);
  if (len == 0 || len >= sizeof p)
    return souk_errinfo_set(e, SOUK_EIO, "bad output directory name '%s'", dir);
  memcpy(p, dir, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (p[i] != '/' && p[i] != '\0')
      continue;
    char c = p[i];
    p[i] = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
      return souk_errinfo_set(e, SOUK_EIO, "cannot create output directory %s: %s", p,
                              strerror(errno));
    p[i] = c;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return souk_errinfo_set(e, SOUK_EIO, "output directory %s is not a directory", dir);
  return 0;
}

int souk__outfile_open(souk__outfile *o, const char *dir, const char *name, souk_errinfo *e) {
  o->f = NULL;
  if ((size_t)snprintf(o->path, sizeof o->path, "%s/%s", dir, name) >= sizeof o->path ||
      (size_t)snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp%ld", dir, name, (long)getpid()) >=
          sizeof o->tmp)
    return souk_errinfo_set(e, SOUK_EIO, "output path %s/%s is too long", dir, name);
  o->f = fopen(o->tmp, "wb");
  if (!o->f)
    return souk_errinfo_set(e, SOUK_EIO, "cannot write %s: %s", o->path, strerror(errno));
  setvbuf(o->f, NULL, _IOFBF, 1 << 16);
  return 0;
}

int souk__outfile_commit(souk__outfile *o, souk_errinfo *e) {
  int bad = ferror(o->f);
  bad |= fclose(o->f) != 0;
  o->f = NULL;
  if (bad) {
    int err = errno;
    remove(o->tmp);
    return souk_errinfo_set(e, SOUK_EIO, "cannot write %s: %s", o->path, strerror(err));
  }
  if (rename(o->tmp, o->path) != 0) {
    int err = errno;
    remove(o->tmp);
    return souk_errinfo_set(e, SOUK_EIO, "cannot write %s: %s", o->path, strerror(err));
  }
  return 0;
}

void souk__outfile_abort(souk__outfile *o) {
  if (o->f) {
    fclose(o->f);
    o->f = NULL;
    remove(o->tmp);
  }
}

void souk__csv_field(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}
