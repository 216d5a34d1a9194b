#!/usr/bin/env bash
# Runs a command as on a machine with no browser, without touching this one: in a private mount
# namespace whose /usr, /var and /etc are overlays (writes land in a throwaway layer), with
# Debian's chromium package removed there. Root only (unshare, mount, dpkg). Checks that
# `npm run test:e2e` finds or installs its own Chromium, e.g.:
#   scripts/without-chromium.sh env -u CHROMIUM_PATH PLAYWRIGHT_BROWSERS_PATH=/tmp/none npm run test:e2e
set -euo pipefail
layer=$(mktemp -d /tmp/without-chromium.XXXX)
trap 'rm -rf "$layer"' EXIT
for m in usr var etc; do mkdir -p "$layer/$m-up" "$layer/$m-work"; done
unshare -m bash -c '
set -e
for m in usr var etc; do mount -t overlay overlay -o lowerdir=/$m,upperdir="$0"/$m-up,workdir="$0"/$m-work /$m; done
DEBIAN_FRONTEND=noninteractive dpkg --remove --force-depends chromium >/dev/null 2>&1 || true
echo "without-chromium: $(command -v chromium || echo no chromium on PATH); /usr/bin/chromium $(test -e /usr/bin/chromium && echo exists || echo absent)"
exec "${@:1}"' "$layer" "$@"
