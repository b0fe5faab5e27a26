/* SPDX-License-Identifier: MIT */
/* A storefront emulator behind souk's loopback HTTP server. */
#include "storefront_httpd.h"

#include <stdlib.h>

void souk_storefront_httpd_answer(souk_storefront *sf, const souk_httpd_request *req,
                                  souk_httpd_response *res) {
  souk_storefront_response r;
  if (souk_storefront_handle(sf, req->method, req->path, req->query, &r) != 0) {
    souk_httpd_response_status(res, 500);
    return;
  }
  if (r.location)
    souk_httpd_response_redirect(res, r.status, r.location);
  else
    souk_httpd_response_status(res, r.status);
  souk_httpd_response_header(res, "Content-Type", "%s", r.content_type);
  if (!r.location)
    souk_httpd_response_body(res, r.body, r.body_len);
  free(r.body);
}

void souk_storefront_httpd_handler(const souk_httpd_request *req, souk_httpd_response *res,
                                   void *ud) {
  souk_storefront_httpd_answer(ud, req, res);
}
