/* SPDX-License-Identifier: MIT */
/* The table of souk's commands, in the order `souk --help` lists them. */
#include "cli/cli.h"

extern const souk_command souk_cmd_config;
extern const souk_command souk_cmd_agents;
extern const souk_command souk_cmd_fetch;
extern const souk_command souk_cmd_run;
extern const souk_command souk_cmd_scrape;
extern const souk_command souk_cmd_analyze;
extern const souk_command souk_cmd_demo_store;
extern const souk_command souk_cmd_export;
extern const souk_command souk_cmd_check;
extern const souk_command souk_cmd_serve;
extern const souk_command souk_cmd_ask;

const souk_command *const souk_commands[] = {
    &souk_cmd_run,
    &souk_cmd_scrape,
    &souk_cmd_analyze,
    &souk_cmd_export,
    &souk_cmd_check,
    &souk_cmd_serve,
    &souk_cmd_ask,
    &souk_cmd_fetch,
    &souk_cmd_demo_store,
    &souk_cmd_agents,
    &souk_cmd_config,
    NULL,
};
