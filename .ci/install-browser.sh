#!/usr/bin/env bash
# Installs what the browser tests need, when missing: Debian's Chromium (/usr/bin/chromium) and CJK fonts.
# Idempotent; uses apt-get only, as root or through sudo.  Never `playwright install` (it downloads a browser
# build from outside the package registries).  Exit 0 even when it cannot install: the tests then skip.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! (command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .); then
  need+=(fonts-noto-cjk)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "install-browser: cannot install ${need[*]} (not root, no sudo); the browser tests will be skipped" >&2
  exit 0
fi

echo "install-browser: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
