#!/usr/bin/env bash
# One-step setup on a fresh machine: the npm packages, and on Linux without a Vulkan driver,
# Mesa's software one (lavapipe), which Dawn needs to find an adapter. Installing lavapipe needs
# root; on Debian 12 it comes from bookworm-backports, whose source is derived from the mirror
# apt already uses (no address is written here).
#   bash scripts/setup.sh [--browser] [--check-driver]
#     --browser       also Debian's chromium, which npm run test:browser drives
#     --check-driver  only say which Vulkan driver Dawn will find (exit 1 if none): no apt, no npm ci
# A driver is an ICD file: VK_DRIVER_FILES or VK_ICD_FILENAMES when set, else Mesa's lavapipe
# (lvp_icd*.json) or any other in the loader's folders (WEBGRAD_ICD_DIRS replaces their list, for
# tests). When one is there, apt is never run, and no root is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

usage='usage: setup.sh [--browser] [--check-driver]'
browser=0 check_driver=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    --check-driver) check_driver=1 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "setup: unknown option $arg ($usage)" >&2; exit 2 ;;
  esac
done

icd_dirs=${WEBGRAD_ICD_DIRS:-/usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d}

# Prints the ICD file Dawn's Vulkan loader will use: those the environment names (files, or for
# VK_DRIVER_FILES folders too), else lavapipe's, else any in the folders. Fails when there is none.
find_icd() {
  local list="${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-}}" entry dir f
  if [ -n "$list" ]; then
    IFS=: read -ra entries <<<"$list"
    for entry in "${entries[@]}"; do
      [ -f "$entry" ] && { echo "$entry"; return 0; }
      for f in "$entry"/*.json; do [ -f "$f" ] && { echo "$f"; return 0; }; done
    done
    return 1
  fi
  for pattern in 'lvp_icd*.json' '*.json'; do
    for dir in $icd_dirs; do
      for f in "$dir"/$pattern; do [ -f "$f" ] && { echo "$f"; return 0; }; done
    done
  done
  return 1
}

# (Not `ldconfig -p | grep -q`: under pipefail, grep's early exit can fail ldconfig with SIGPIPE.)
has_libvulkan() {
  local libs
  libs=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
  [[ $libs == *libvulkan.so.1* ]] || compgen -G '/usr/lib*/libvulkan.so.1' >/dev/null || compgen -G '/usr/lib/*/libvulkan.so.1' >/dev/null
}

if [ "$(uname -s)" = Linux ]; then
  if icd=$(find_icd) && has_libvulkan; then
    echo "setup: Vulkan driver $icd"
    [ "$check_driver" = 1 ] && exit 0
  else
    where=${VK_DRIVER_FILES:+VK_DRIVER_FILES=$VK_DRIVER_FILES}
    where=${where:-${VK_ICD_FILENAMES:+VK_ICD_FILENAMES=$VK_ICD_FILENAMES}}
    where=${where:-$icd_dirs}
    missing="no Vulkan driver found (ICD files in $where$(has_libvulkan || echo ', and no libvulkan.so.1'))"
    if [ "$check_driver" = 1 ]; then echo "setup: $missing" >&2; exit 1; fi
    if [ "$(id -u)" != 0 ]; then
      echo "setup: $missing; run this as root to install Mesa's lavapipe (or install your GPU's driver)" >&2
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
elif [ "$check_driver" = 1 ]; then
  echo "setup: not Linux: Dawn uses the system's Metal or Direct3D 12 driver"
  exit 0
fi

# --browser: also Debian's Chromium, which npm run test:browser drives (never a downloaded browser).
if [ "$browser" = 1 ] && ! command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1; then
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
