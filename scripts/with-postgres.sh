#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster: initdb in a temp folder, listen on
# 127.0.0.1 and a free port, export DATABASE_URL, then stop the cluster and remove the folder.
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
#
# Two roles, as in production: `rapport` owns the tables (DATABASE_OWNER_URL: migrations) and
# `rapport_app` owns nothing (granted by `manage.py migrate` / `grant_app_role`). DATABASE_URL
# connects as the owner and assumes `rapport_app` (SET ROLE), so every query the application and
# the tests make runs as `rapport_app`, while the tests can still step back to the owner to set
# up, flush and tamper (tests/support/database.py). RAPPORT_PG_ROLE=owner: run as the owner.
set -euo pipefail

pgbin=""
if command -v initdb >/dev/null; then
  pgbin=$(dirname "$(readlink -f "$(command -v initdb)")")
else
  pgbin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rapport-pg.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/data" -U rapport --auth=trust -E UTF8 --no-locale >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U rapport rapport

"${as_pg[@]}" "$pgbin/createuser" -h 127.0.0.1 -p "$port" -U rapport --login rapport_app

export DATABASE_OWNER_URL="postgres://rapport@127.0.0.1:$port/rapport"
if [ "${RAPPORT_PG_ROLE:-app}" = owner ]; then
  export DATABASE_URL="$DATABASE_OWNER_URL"
else
  export DATABASE_URL="postgres://rapport@127.0.0.1:$port/rapport?assume_role=rapport_app"
fi
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throw-away)"
"$@"
