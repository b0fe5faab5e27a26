/* SPDX-License-Identifier: MIT */
/* Names and messages of the SOUK_E* error codes, generated from SOUK_ERRNO_MAP. */
#include "souk/error.h"

const char *souk_err_name(int err) {
  switch (err) {
#define SOUK__ERR_NAME(name, num, msg) \
  case SOUK_##name:                   \
    return "SOUK_" #name;
    SOUK_ERRNO_MAP(SOUK__ERR_NAME)
#undef SOUK__ERR_NAME
  case SOUK_OK:
    return "SOUK_OK";
  }
  return "SOUK_UNKNOWN";
}

const char *souk_strerror(int err) {
  switch (err) {
#define SOUK__ERR_MSG(name, num, msg) \
  case SOUK_##name:                  \
    return msg;
    SOUK_ERRNO_MAP(SOUK__ERR_MSG)
#undef SOUK__ERR_MSG
  case SOUK_OK:
    return "success";
  }
  return "unknown error";
}
