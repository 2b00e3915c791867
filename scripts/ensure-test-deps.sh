#!/bin/sh
# Set-up the test command does for itself on a fresh machine (idempotent, quick when done):
# - the reference implementations the trigger compiler's property tests hold it against:
#   real Quartz (Debian's libquartz2-java + a JDK) and robfig/cron (built with Go from the module proxy);
# - PostgreSQL on 127.0.0.1:5432, the datasource driver's real source and sink.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f "${KAIROS_QUARTZ_JAR:-/usr/share/java/quartz2.jar}" ] || ! command -v javac >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[kairos] installing the Quartz reference for the cron property tests (apt-get)…" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libquartz2-java default-jdk-headless >/dev/null
  else
    echo "[kairos] note: libquartz2-java and a JDK are missing and cannot be installed here; the Quartz oracle tests will say they are skipped" >&2
  fi
fi
sh scripts/ensure-postgres.sh
