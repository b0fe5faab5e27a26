/* SPDX-License-Identifier: MIT */
/* The platform agents linked into the souk executable, registered before the runtime starts.
 * Plugins from plugin_path come on top of these. */
#include "cli/cli.h"
#include "plugins/registry.h"

const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h);

void souk_cli_register_builtin_agents(void) {
  souk_agents_register_builtin(souk_agent_shopify_entry);
}
