#!/bin/sh
# Set-up the test command does for itself on a fresh machine (idempotent, quick when done):
# - the reference implementations the trigger compiler's property tests hold it against:
#   real Quartz (Debian's libquartz2-java + a JDK) and robfig/cron (built with Go from the module proxy);
# - Debian's Chromium for the dashboard's browser tests (driven by playwright-core, which never
#   downloads a browser);
# - PostgreSQL on 127.0.0.1:5432, the datasource driver's real source and sink.
set -eu
cd "$(dirname "$0")/.."

# apt_install WHAT WHAT-IS-SKIPPED PACKAGE…: Debian packages, when running as root with apt-get.
apt_install() {
  what=$1 skipped=$2
  shift 2
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[kairos] installing $what with apt-get…" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "[kairos] note: $what is missing and cannot be installed here; $skipped will say they are skipped" >&2
  fi
}

if [ ! -f "${KAIROS_QUARTZ_JAR:-/usr/share/java/quartz2.jar}" ] || ! command -v javac >/dev/null 2>&1; then
  apt_install "the Quartz reference for the cron property tests (libquartz2-java, a JDK)" "the Quartz oracle tests" libquartz2-java default-jdk-headless
fi
if [ ! -x "${KAIROS_CHROMIUM:-/usr/bin/chromium}" ]; then
  apt_install "Chromium for the dashboard's browser tests" "the browser tests" chromium
fi
sh scripts/ensure-postgres.sh
