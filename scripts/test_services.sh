#!/usr/bin/env bash
# Services the tests and `make cluster` need on this machine kind, started or installed only
# when missing:
#   - Debian's chromium (the browser tests drive it through Playwright);
#   - Debian's haproxy (the cluster's load balancer);
#   - the local PostgreSQL cluster (the store tests run on SQLite and on PostgreSQL).
# Redis and RabbitMQ are the machine's own services (started before a session on this kind).
# Safe to run repeatedly; does nothing when all are present. Tests skip loudly without them
# (with CI=true they fail). `--cluster` (make cluster): the cluster's needs only, no chromium.
set -euo pipefail
for_cluster_only=false
[ "${1:-}" = "--cluster" ] && for_cluster_only=true

install_package() {  # install_package <command> <debian package> <what needs it>
    if command -v "$1" >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "[services] installing $2 (Debian package)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
            || { apt-get update -q >/dev/null && \
                 DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } \
            || echo "[services] could not install $2; $3 will be skipped"
    else
        echo "[services] $2 missing and cannot be installed here; $3 will be skipped"
    fi
}

install_package haproxy haproxy "the cluster (make cluster, its tests)"

if ! $for_cluster_only && ! command -v chromium >/dev/null 2>&1; then
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
