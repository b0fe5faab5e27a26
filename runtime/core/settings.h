/* SPDX-License-Identifier: MIT */
/* The table of every setting souk has: key, environment variable, type, default, bounds and
 * documentation. docs/configuration.md is generated from it (`souk config --markdown`) and a
 * test keeps the two equal.
 *
 * XX(ID, key, env, alias_env, type, default, min, max, choices, flags, doc)
 *   type     STRING PATH INT DOUBLE BOOL ENUM DURATION (stored in ms) SIZE (bytes) URL
 *   min/max  bounds for INT, DOUBLE, DURATION (ms) and SIZE; ignored otherwise
 *   choices  "a|b|c" for ENUM
 *   flags    SOUK_SETTING_SECRET (never printed), SOUK_SETTING_URI_PASSWORD (the password
 *            inside a URI is never printed)
 * Append new settings anywhere; IDs are not stored anywhere, keys and env names are public.
 */
#ifndef SOUK_CORE_SETTINGS_H
#define SOUK_CORE_SETTINGS_H

#define SOUK_SETTINGS(XX)                                                                          \
  XX(DATA_DIR, "data_dir", "SOUK_DATA_DIR", NULL, PATH, "./data", 0, 0, NULL, 0,                   \
     "Directory for the embedded store, crawl state and data exports.")                          \
  XX(OUTPUT_DIR, "output_dir", "SOUK_OUTPUT_DIR", NULL, PATH, "./outputs", 0, 0, NULL, 0,          \
     "Directory for analysis results: CSV files, charts, summaries.")                            \
  XX(PLUGIN_PATH, "plugin_path", "SOUK_PLUGIN_PATH", NULL, STRING, "", 0, 0, NULL, 0,              \
     "Colon-separated directories searched for agent plugins (*.so), after the built-in agents.") \
  XX(LOG_LEVEL, "log.level", "SOUK_LOG_LEVEL", NULL, ENUM, "info", 0, 0,                           \
     "off|error|warn|info|debug|trace", 0, "Level of every subsystem without a switch of its own.") \
  XX(LOG_SWITCHES, "log.switches", "SOUK_LOG", NULL, STRING, "", 0, 0, NULL, 0,                    \
     "Per-subsystem levels, e.g. `http:debug,store:trace`; `*:LEVEL` sets the rest.")            \
  XX(LOG_FORMAT, "log.format", "SOUK_LOG_FORMAT", NULL, ENUM, "text", 0, 0, "text|json", 0,        \
     "`text` for people, `json` for one JSON object per line.")                                  \
  XX(LOG_COLOR, "log.color", "SOUK_LOG_COLOR", NULL, ENUM, "auto", 0, 0, "auto|always|never", 0,   \
     "Colour in text logs; `auto` colours a terminal unless NO_COLOR is set.")                   \
  XX(LOG_FILE, "log.file", "SOUK_LOG_FILE", NULL, PATH, "", 0, 0, NULL, 0,                         \
     "Append logs to this file instead of standard error.")                                      \
  XX(HTTP_USER_AGENT, "http.user_agent", "SOUK_USER_AGENT", NULL, STRING,                          \
     "souk/" SOUK_VERSION_STRING " (catalog analytics; polite crawler)", 0, 0, NULL, 0,          \
     "User-Agent header of every request souk makes.")                                           \
  XX(HTTP_RATE, "http.rate", "SOUK_HTTP_RATE", NULL, DOUBLE, "2", 0, 10000, NULL, 0,               \
     "Requests per second to any one host (token bucket); 0 for no limit.")                      \
  XX(HTTP_BURST, "http.burst", "SOUK_HTTP_BURST", NULL, INT, "2", 1, 1000, NULL, 0,                \
     "Requests a host may receive at once after a quiet spell (token bucket size).")             \
  XX(HTTP_MAX_CONNECTIONS, "http.max_connections", "SOUK_HTTP_MAX_CONNECTIONS", NULL, INT, "64",   \
     1, 4096, NULL, 0, "Requests in flight at once, all hosts together.")                        \
  XX(HTTP_MAX_PER_HOST, "http.max_per_host", "SOUK_HTTP_MAX_PER_HOST", NULL, INT, "4", 1, 1024,    \
     NULL, 0, "Requests in flight at once to any one host.")                                     \
  XX(HTTP_RETRIES, "http.retries", "SOUK_HTTP_RETRIES", NULL, INT, "5", 0, 50, NULL, 0,            \
     "Retries after a 429, a 5xx or a network error, with exponential backoff and equal jitter.") \
  XX(HTTP_BACKOFF_BASE, "http.backoff_base", "SOUK_HTTP_BACKOFF_BASE", NULL, DURATION, "500ms",    \
     1, 3600000, NULL, 0, "First backoff ceiling; it doubles with each retry.")                  \
  XX(HTTP_BACKOFF_MAX, "http.backoff_max", "SOUK_HTTP_BACKOFF_MAX", NULL, DURATION, "30s", 1,      \
     3600000, NULL, 0, "Largest backoff ceiling.")                                               \
  XX(HTTP_RETRY_AFTER_MAX, "http.retry_after_max", "SOUK_HTTP_RETRY_AFTER_MAX", NULL, DURATION,    \
     "10m", 0, 86400000, NULL, 0,                                                                \
     "Longest Retry-After souk waits; a longer one fails the request as rate limited.")          \
  XX(HTTP_CONNECT_TIMEOUT, "http.connect_timeout", "SOUK_HTTP_CONNECT_TIMEOUT", NULL, DURATION,    \
     "10s", 1, 600000, NULL, 0, "Time allowed to connect (DNS, TCP, TLS).")                      \
  XX(HTTP_TIMEOUT, "http.timeout", "SOUK_HTTP_TIMEOUT", NULL, DURATION, "60s", 1, 3600000, NULL,   \
     0, "Time allowed for one whole attempt of a request.")                                      \
  XX(HTTP_LOW_SPEED_TIME, "http.low_speed_time", "SOUK_HTTP_LOW_SPEED_TIME", NULL, DURATION,       \
     "20s", 1000, 3600000, NULL, 0,                                                              \
     "An attempt slower than http.low_speed_limit for this long is abandoned (a stalled server).") \
  XX(HTTP_LOW_SPEED_LIMIT, "http.low_speed_limit", "SOUK_HTTP_LOW_SPEED_LIMIT", NULL, SIZE, "1",   \
     1, 1073741824, NULL, 0, "Bytes per second below which a transfer counts as stalled.")       \
  XX(HTTP_MAX_REDIRECTS, "http.max_redirects", "SOUK_HTTP_MAX_REDIRECTS", NULL, INT, "5", 0, 50,   \
     NULL, 0, "Redirects followed per request.")                                                 \
  XX(HTTP_MAX_BODY, "http.max_body", "SOUK_HTTP_MAX_BODY", NULL, SIZE, "64MiB", 1024,              \
     4294967296, NULL, 0, "Largest response body accepted (after decompression).")               \
  XX(MCP_TOKEN, "mcp.token", "SOUK_MCP_TOKEN", NULL, STRING, "", 0, 0, NULL, SOUK_SETTING_SECRET,  \
     "Bearer token MCP clients must send over WebSocket and Streamable HTTP "                    \
     "(`Authorization: Bearer ...`); empty: none.")                                              \
  XX(MCP_ALLOWED_ORIGINS, "mcp.allowed_origins", "SOUK_MCP_ALLOWED_ORIGINS", NULL, STRING, "", 0,  \
     0, NULL, 0, "Comma-separated browser origins allowed besides loopback ones (`*`: any); "      \
     "others get 403.")                                                                          \
  XX(MCP_ALLOWED_HOSTS, "mcp.allowed_hosts", "SOUK_MCP_ALLOWED_HOSTS", NULL, STRING, "", 0, 0,     \
     NULL, 0, "Comma-separated host names allowed in the Host header besides localhost and IP "   \
     "addresses (`*`: any); guards against DNS rebinding.")                                      \
  XX(MCP_MAX_SESSIONS, "mcp.max_sessions", "SOUK_MCP_MAX_SESSIONS", NULL, INT, "256", 1, 100000,   \
     NULL, 0, "MCP sessions a network listener serves at once; more get 503.")                   \
  XX(MCP_MAX_MESSAGE, "mcp.max_message", "SOUK_MCP_MAX_MESSAGE", NULL, SIZE, "4MiB", 1024,         \
     1073741824, NULL, 0, "Largest MCP message accepted, on every transport.")                  \
  XX(MCP_RATE, "mcp.rate", "SOUK_MCP_RATE", NULL, DOUBLE, "100", 0, 1000000, NULL, 0,              \
     "Messages per second per network session, and new sessions per second (bursts of twice "    \
     "as many); 0 for no limit.")                                                                \
  XX(MCP_SESSION_TIMEOUT, "mcp.session_timeout", "SOUK_MCP_SESSION_TIMEOUT", NULL, DURATION,      \
     "30m", 1000, 604800000, NULL, 0,                                                            \
     "A Streamable HTTP session without requests or open streams for this long is ended.")       \
  XX(MONGODB_URI, "store.mongodb_uri", "SOUK_MONGODB_URI", "MONGODB_URI", STRING, "", 0, 0, NULL,  \
     SOUK_SETTING_URI_PASSWORD,                                                                  \
     "Use MongoDB at this URI instead of the embedded SQLite store; its password is never shown.") \
  XX(STORE_DELIST_AFTER, "store.delist_after", "SOUK_STORE_DELIST_AFTER", NULL, INT, "3", 1, 1000,  \
     NULL, 0, "Complete crawls in a row a product must be missing from before it is marked delisted.") \
  XX(STORE_SQLITE_CACHE, "store.sqlite_cache", "SOUK_STORE_SQLITE_CACHE", NULL, SIZE, "8MiB",       \
     262144, 1073741824, NULL, 0, "Page cache of each SQLite connection (a crawl uses two).")    \
  XX(CHECK_STALE_AFTER, "check.stale_after", "SOUK_CHECK_STALE_AFTER", NULL, DURATION, "7d", 0,   \
     31536000000.0, NULL, 0, "`souk check` reports a store whose last crawl is older as stale; 0 never.") \
  XX(NET_ALLOW_PRIVATE_HOSTS, "net.allow_private_hosts", "SOUK_ALLOW_PRIVATE_HOSTS", NULL, BOOL,  \
     "false", 0, 0, NULL, 0,                                                                     \
     "Let store URLs that reach souk through MCP (from a model) fetch loopback, private, "        \
     "link-local and metadata addresses; off: refused after DNS and on every redirect.")         \
  XX(LLM_PROVIDER, "llm.provider", "SOUK_LLM_PROVIDER", NULL, ENUM, "offline", 0, 0,                \
     "offline|openai|anthropic|sampling", 0,                                                     \
     "Who plans and writes `souk ask` summaries: `offline` (fixed plan, templates), an "         \
     "OpenAI-compatible Chat Completions server, Anthropic Messages, or the MCP client's model.") \
  XX(LLM_BASE_URL, "llm.base_url", "SOUK_LLM_BASE_URL", NULL, URL, "", 0, 0, NULL, 0,             \
     "API base URL; empty: https://api.openai.com/v1 or https://api.anthropic.com. Ollama: "     \
     "http://127.0.0.1:11434/v1.")                                                               \
  XX(LLM_MODEL, "llm.model", "SOUK_LLM_MODEL", NULL, STRING, "", 0, 0, NULL, 0,                   \
     "Model name sent to the API (required for openai and anthropic).")                          \
  XX(LLM_API_KEY, "llm.api_key", "SOUK_LLM_API_KEY", NULL, STRING, "", 0, 0, NULL,                \
     SOUK_SETTING_SECRET, "API key of the language model service (keep it in .env).")            \
  XX(LLM_STREAM, "llm.stream", "SOUK_LLM_STREAM", NULL, BOOL, "true", 0, 0, NULL, 0,              \
     "Ask the model to stream its answer (server-sent events).")                                 \
  XX(LLM_TIMEOUT, "llm.timeout", "SOUK_LLM_TIMEOUT", NULL, DURATION, "120s", 100, 3600000, NULL,  \
     0, "Time allowed for one model request (retries on 429 and 5xx follow http.retries).")      \
  XX(LLM_MAX_STEPS, "llm.max_steps", "SOUK_LLM_MAX_STEPS", NULL, INT, "8", 1, 100, NULL, 0,       \
     "Model turns one `souk ask` may take (tool-calling rounds plus the summary).")              \
  XX(LLM_MAX_TIME, "llm.max_time", "SOUK_LLM_MAX_TIME", NULL, DURATION, "5m", 100, 86400000,      \
     NULL, 0, "Time one `souk ask` may take, tools and model together.")                         \
  XX(LLM_MAX_TOKENS, "llm.max_tokens", "SOUK_LLM_MAX_TOKENS", NULL, INT, "60000", 100, 999999,    \
     NULL, 0, "Token budget of one `souk ask` (input and output, as the API reports them).")     \
  XX(LLM_FIGURES, "llm.unsupported_figures", "SOUK_LLM_UNSUPPORTED_FIGURES", NULL, ENUM, "strip", \
     0, 0, "strip|flag", 0,                                                                      \
     "What happens to a number in a summary that no tool returned: removed, or marked.")

#endif /* SOUK_CORE_SETTINGS_H */
