#!/usr/bin/env bash
# Services the ticket tests need on this machine kind, started or installed only when missing:
#   - Debian's chromium (the staff-console browser test drives it through Playwright);
#   - the local PostgreSQL cluster (the store tests run on SQLite and on PostgreSQL).
# Safe to run repeatedly; does nothing when both are present. Tests skip loudly without them.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "[services] installing chromium (Debian package)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
            || { apt-get update -q >/dev/null && \
                 DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
            || echo "[services] could not install chromium; the browser test will be skipped"
    else
        echo "[services] chromium missing and cannot be installed here; the browser test will be skipped"
    fi
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
        if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1==v && $2=="main" {print $4}' \
                | grep -q online; then
            echo "[services] starting PostgreSQL $version/main"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start \
                || echo "[services] PostgreSQL $version did not start; PostgreSQL tests will be skipped"
        fi
    done
else
    echo "[services] no PostgreSQL cluster on this machine; PostgreSQL tests will be skipped"
fi
