/* SPDX-License-Identifier: MIT */
/* The MCP protocol versions souk speaks, how one is chosen, and what each one allows. */
#include <string.h>

#include "mcp_private.h"

static const char *const versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
                                       NULL};

const char *const *souk_mcp_versions(void) {
  return versions;
}

static const char *find(const char *v) {
  if (!v)
    return NULL;
  for (size_t i = 0; versions[i]; i++)
    if (strcmp(versions[i], v) == 0)
      return versions[i];
  return NULL;
}

bool souk_mcp_version_supported(const char *version) {
  return find(version) != NULL;
}

bool souk_mcp_version_allows_batch(const char *version) {
  return version && strcmp(version, "2025-03-26") == 0;
}

const char *souk_mcp_version_negotiate(const char *requested) {
  const char *v = find(requested);
  return v ? v : versions[0];
}
