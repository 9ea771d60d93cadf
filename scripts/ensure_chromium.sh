#!/usr/bin/env bash
# The browser tests drive Debian's chromium (browsers cannot be downloaded by Playwright here).
# Installs the Debian package when /usr/bin/chromium is missing; a no-op otherwise.
set -euo pipefail
# Reactions are emoji: without a colour emoji font the screenshots show empty boxes. The
# tests run chromium in German (date fields as tt.mm.jjjj): that needs chromium-l10n.
[ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && [ -e /usr/lib/chromium/locales/de.pak ] && exit 0
echo "installing Debian's chromium for the browser tests" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-l10n fonts-dejavu-core fonts-noto-color-emoji
