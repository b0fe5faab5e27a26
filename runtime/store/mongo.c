/* SPDX-License-Identifier: MIT */
/* The MongoDB backend of the store (mongo-c-driver). Being written: until it lands, opening
 * a MongoDB store fails with a clear error. */
#include "souk/error.h"
#include "store/store_int.h"

souk_store *souk__mongo_open(const char *uri, const souk_config *cfg, souk_errinfo *e) {
  (void)uri, (void)cfg;
  souk_errinfo_set(e, SOUK_EUNSUPPORTED, "the MongoDB store is not available in this build");
  return NULL;
}
