/* SPDX-License-Identifier: MIT */
/* souk's error codes: one list generates the enum, the names and the messages.
 *
 * Functions return 0 on success and a negative SOUK_E* code on failure. The numbers are
 * stable and never reused: append new codes at the end of the list. Plugins see the same
 * codes through <souk/agent.h>.
 */
#ifndef SOUK_ERROR_H
#define SOUK_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* XX(NAME, number, message) */
#define SOUK_ERRNO_MAP(XX)                                                            \
  XX(ENOMEM,       1, "out of memory")                                                \
  XX(EINVAL,       2, "invalid argument")                                             \
  XX(EIO,          3, "input/output error")                                           \
  XX(ENOENT,       4, "no such file or entry")                                        \
  XX(EEXIST,       5, "already exists")                                               \
  XX(ETOOBIG,      6, "size limit exceeded")                                          \
  XX(ETIMEDOUT,    7, "timed out")                                                    \
  XX(ECANCELED,    8, "canceled")                                                     \
  XX(EPARSE,       9, "malformed input")                                              \
  XX(ECONFIG,     10, "invalid configuration")                                        \
  XX(EUSAGE,      11, "invalid command-line usage")                                   \
  XX(ENETWORK,    12, "network error")                                                \
  XX(EHTTP,       13, "unexpected HTTP status")                                       \
  XX(ERATELIMIT,  14, "rate limited by the server")                                   \
  XX(EREDIRECTS,  15, "too many redirects")                                           \
  XX(ECONTENT,    16, "unexpected content type")                                      \
  XX(EABI,        17, "incompatible plugin ABI")                                      \
  XX(EDUPLICATE,  18, "duplicate name")                                               \
  XX(EPLUGIN,     19, "plugin failed to load")                                        \
  XX(EBUSY,       20, "resource busy")                                                \
  XX(ESTATE,      21, "operation not valid in the current state")                    \
  XX(ESTORE,      22, "storage error")                                                \
  XX(EUNSUPPORTED,23, "not supported")                                                \
  XX(EFORBIDDEN,  24, "address not allowed")                                          \
  XX(EPASSWORD,   25, "store is password protected")                                  \
  XX(ENOTSTORE,   26, "not a store of this platform")                                 \
  XX(ETLS,        27, "TLS error")                                                    \
  XX(EDNS,        28, "host name could not be resolved")                              \
  XX(ECONNREFUSED,29, "connection refused")                                           \
  XX(EINTERRUPTED,30, "interrupted by a signal")                                      \
  XX(EEMPTY,      31, "no data")                                                      \
  XX(ECHECK,      32, "data check found problems")                                    \
  XX(ELLM,        33, "language model error")                                         \
  XX(ELIMIT,      34, "limit reached")

typedef enum souk_errno {
#define SOUK__ERR_ENUM(name, num, msg) SOUK_##name = -(num),
  SOUK_ERRNO_MAP(SOUK__ERR_ENUM)
#undef SOUK__ERR_ENUM
  SOUK_OK = 0
} souk_errno;

/* "SOUK_ETIMEDOUT" for SOUK_ETIMEDOUT; "SOUK_UNKNOWN" for a code not in the list. */
const char *souk_err_name(int err);

/* "timed out" for SOUK_ETIMEDOUT; "unknown error" for a code not in the list. */
const char *souk_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ERROR_H */
