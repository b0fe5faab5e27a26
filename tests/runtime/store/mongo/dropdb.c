/* SPDX-License-Identifier: MIT */
/* Drops one database of the test server after a case: `dropdb URI NAME` (the harness of the
 * store_mongo tests; the server is in memory, this keeps a long run's memory flat). */
#include <stdio.h>
#include <string.h>

#include <mongoc/mongoc.h>

int main(int argc, char **argv) {
  if (argc != 3 || strncmp(argv[2], "souk_test_", 10) != 0) {
    fprintf(stderr, "usage: dropdb URI souk_test_<pid>\n");
    return 2;
  }
  mongoc_init();
  bson_error_t err;
  int rc = 1;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(argv[1], &err);
  mongoc_client_t *client = uri ? mongoc_client_new_from_uri_with_error(uri, &err) : NULL;
  if (client) {
    mongoc_database_t *db = mongoc_client_get_database(client, argv[2]);
    rc = mongoc_database_drop_with_opts(db, NULL, &err) ? 0 : 1;
    mongoc_database_destroy(db);
    mongoc_client_destroy(client);
  }
  if (rc)
    fprintf(stderr, "dropdb: %s: %s\n", argv[2], err.message);
  mongoc_uri_destroy(uri);
  mongoc_cleanup();
  return rc;
}
