#!/bin/sh
# Starts the machine's PostgreSQL cluster if it is not running (idempotent), then waits until it
# accepts connections on 127.0.0.1:5432. The datasource integration tests use it as source and sink.
set -eu
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
fi
i=0
until pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then
    echo "ensure-postgres: PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2
    exit 1
  fi
  sleep 1
done
