#!/usr/bin/env bash
# One-step setup on a fresh machine: the npm packages, and on Linux without a Vulkan driver,
# Mesa's software one (lavapipe), which Dawn needs to find an adapter. Installing lavapipe needs
# root; on Debian 12 it comes from bookworm-backports, whose source is derived from the mirror
# apt already uses (no address is written here).
set -euo pipefail
cd "$(dirname "$0")/.."

has_vulkan_driver() {
  ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libvulkan.so.1
}

if [ "$(uname -s)" = Linux ] && ! has_vulkan_driver; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: no Vulkan driver found; run this as root to install Mesa's lavapipe (or install your GPU's driver)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" = bookworm ]; then
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -1 | awk '{print $2}')
      [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | grep -v security | head -1 | awk '{print $2}')
      [ -n "$uri" ] || { echo "setup: no Debian mirror found in apt's sources" >&2; exit 1; }
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
        > /etc/apt/sources.list.d/bookworm-backports.sources
    fi
    apt-get update -qq
    # Dawn refuses bookworm's own Mesa 22; backports has Mesa 25.
    apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    apt-get update -qq
    apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
  echo "setup: installed $(dpkg-query -W -f='mesa-vulkan-drivers ${Version}' mesa-vulkan-drivers)"
fi

# --browser: also Debian's Chromium, which npm run test:browser drives (never a downloaded browser).
if [ "${1:-}" = --browser ] && ! command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: no Chromium found; run this as root to install Debian's chromium (or set CHROMIUM to one)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  echo "setup: installed $(dpkg-query -W -f='chromium ${Version}' chromium)"
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
