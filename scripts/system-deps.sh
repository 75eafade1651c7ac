#!/usr/bin/env bash
# Install, with apt-get and only where missing, the system programs the tests drive:
# Java (for local Spark) and Chromium (the dashboard's browser tests drive Debian's
# headless chromium; Playwright never downloads a browser of its own). Nothing here runs
# when everything is already present.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ -x /usr/bin/chromium ] || need+=(chromium)
# A font for the pages the browser tests screenshot (chromium only recommends one).
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "installing system packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
