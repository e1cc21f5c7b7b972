#!/usr/bin/env bash
# Last resort for the Rasa environment's interpreter on Debian bookworm: python3.9 from the
# bullseye suite of the machine's own Debian mirror (pinned low, so nothing else comes from it).
# bullseye's python3-distutils and python3-lib2to3 conflict with bookworm's, so only their
# distutils and lib2to3 folders are unpacked into the Python 3.9 standard library.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "debian_python39.sh: must run as root" >&2; exit 1; }

# -S: without site-packages, where setuptools' distutils shim would hide a missing stdlib copy.
if [ -x /usr/bin/python3.9 ] && /usr/bin/python3.9 -S -c 'import distutils.dist, lib2to3, ssl' 2>/dev/null; then
  exit 0
fi

# The mirror this machine already uses for Debian itself (deb822 or one-line format).
mirror=$(sed -n 's/^URIs:[[:space:]]*\(\S*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(\S*\/debian\)\/\?[[:space:]].*/\2/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
fi
[ -n "$mirror" ] || { echo "debian_python39.sh: no Debian mirror found in apt's sources" >&2; exit 1; }

echo "deb $mirror bullseye main" > /etc/apt/sources.list.d/bullseye-python39.list
cat > /etc/apt/preferences.d/bullseye-python39 <<PIN
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PIN
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.9 >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq python3-distutils/bullseye python3-lib2to3/bullseye)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
# Merged into what libpython3.9-stdlib already placed there (it ships distutils/__init__.py).
for pkg in distutils lib2to3; do
  mkdir -p "/usr/lib/python3.9/$pkg"
  cp -a "$work/x/usr/lib/python3.9/$pkg/." "/usr/lib/python3.9/$pkg/"
done
/usr/bin/python3.9 -S -c 'import distutils.dist, lib2to3, ssl, sqlite3; print("python3.9 ready")'
