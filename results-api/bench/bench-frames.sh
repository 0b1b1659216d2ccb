#!/usr/bin/env bash
# wrk against results-api frame queries on 1 000 000 result rows, next to the same SQL in psql (the database floor).
# Needs the Debian packages wrk and postgresql-client (psql; without it the floor is timed over JDBC).
# Usage: results-api/bench/bench-frames.sh [--rows N] [--duration S] [--connections C] [--jdbc-url URL] ...
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "$root/prism" bench results "$@"
