#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium and its driver for the Playwright journeys, and
# ffmpeg's command line to make m4a/ogg/opus/webm/mp4 test files (the app decodes with PyAV).
# Installed only when missing, and only when we may (root); otherwise say what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
for extra in "$@"; do command -v "$extra" >/dev/null 2>&1 || missing+=("$extra"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
