#!/usr/bin/env bash
# The Docker engine for the docker platform (idempotent): Debian's docker.io, containerd and runc
# (and debootstrap, for the offline base image) when missing, then containerd and dockerd
# started in the background by hand when not running (no systemd on these machines), each
# logging to .tools/logs/. Ends when `docker info` answers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
logs="$root/.tools/logs"
mkdir -p "$logs"

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

if engine_answers; then
  echo "docker engine answering: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
  exit 0
fi
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing ${need[*]} with apt-get (about 30 s)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${need[@]}" >/dev/null
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The Docker engine is not running and only root can start it here (no systemd)." >&2
  exit 1
fi
wait_for() {  # what, seconds, command...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "$what did not come up within ${seconds} s; see $logs" >&2
  return 1
}
# A daemon must not keep its starter's descriptors: started under `make -j`, dockerd held the
# jobserver's pipe open, and make waits for that pipe's end when it exits, so `make test` never
# ended (CI ran out of time). Each daemon starts in a subshell that closes every descriptor but
# 0-2 and then becomes the daemon (exec), so it is not the child of a subshell holding its lock.
start_daemon() {  # log, command...
  local log="$1"; shift
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec nohup "$@" >>"$log" 2>&1 </dev/null
  ) &
}
if ! [ -S /run/containerd/containerd.sock ] || ! pgrep -x containerd >/dev/null; then
  echo "starting containerd (log: $logs/containerd.log)"
  start_daemon "$logs/containerd.log" containerd
  wait_for containerd 30 test -S /run/containerd/containerd.sock
fi
if ! pgrep -x dockerd >/dev/null; then
  echo "starting dockerd (log: $logs/dockerd.log)"
  start_daemon "$logs/dockerd.log" dockerd --containerd=/run/containerd/containerd.sock
fi
wait_for "dockerd" 60 docker info
echo "docker engine answering: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
