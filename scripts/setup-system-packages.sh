#!/usr/bin/env bash
# Debian packages Firebreak uses (idempotent). `runtime`: HAProxy, the local platform's load
# balancer in front of every service's replicas. `cluster`: also what the local Kubernetes node
# needs beside Docker's containerd and runc (the CNI plugins, conntrack for kube-proxy).
# `test`: all of these, Chromium, which renders the HTML report in a test, and Redis, the
# cache of examples/bookshop.
set -euo pipefail
what="${1:-test}"
need=()
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ "$what" = "test" ] || [ "$what" = "cluster" ]; then
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  command -v conntrack >/dev/null || [ -x /usr/sbin/conntrack ] || need+=(conntrack)
fi
if [ "$what" = "test" ]; then
  command -v chromium >/dev/null || need+=(chromium)
  # examples/bookshop's cache, run as a plain process on the local platform
  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || need+=(redis-server)
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present for $what"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing ${need[*]} with apt-get (a few minutes on a new machine)..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${need[@]}" >/dev/null
# Debian's package would start HAProxy as a service where systemd runs; Firebreak starts its own
# per run, so make sure none is left listening on the package's default configuration.
pkill -x haproxy 2>/dev/null || true
