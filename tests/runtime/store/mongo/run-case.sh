#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one test case against the fixture's MongoDB-compatible server, then drops the database
# the case used (souk_test_<pid of the case>).
#
#   run-case.sh STATE_DIR DROPDB_PROGRAM PROGRAM CASE
set -u
state=$1
drop=$2
shift 2
if [ -f "$state/skip" ]; then
  echo "SKIP: $(cat "$state/skip")"
  exit 77
fi
if [ ! -s "$state/uri" ]; then
  echo "no MongoDB-compatible test server: the fixture store_mongo.server_start did not start one"
  exit 1
fi
uri=$(cat "$state/uri")
SOUK_TEST_MONGODB_URI=$uri "$@" &
pid=$!
trap 'kill "$pid" 2>/dev/null' INT TERM
wait "$pid"
rc=$?
"$drop" "$uri" "souk_test_$pid" || true
exit $rc
