#!/usr/bin/env bash
# Build every binary of Firebreak's local Kubernetes node from Go modules (idempotent):
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy (k8s.io/kubernetes),
# etcd, CoreDNS, a pause program and distribution's registry. Nothing can be downloaded here but
# modules, so each part is built at a pinned version into .tools/kubernetes/<versions>/bin with a
# stamp per part; a second run with the same versions does nothing. The recipe and its pitfalls:
# ../shared/REAL-PARTS.md.
set -euo pipefail
k8s_version="${FIREBREAK_K8S_VERSION:-v1.37.2}"
etcd_version="${FIREBREAK_ETCD_VERSION:-v3.6.16}"
coredns_version="${FIREBREAK_COREDNS_VERSION:-v1.15.0}"
registry_version="${FIREBREAK_REGISTRY_VERSION:-v3.1.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${FIREBREAK_CLUSTER_TOOLS:-$root/.tools/kubernetes/$k8s_version}"
bin="$out/bin"
work="$out/build"
mkdir -p "$bin" "$work"
command -v go >/dev/null || { echo "Go is needed to build the local cluster's binaries." >&2; exit 1; }
# The machine's own Go (never a downloaded toolchain); the wrapper modules are resolved here
# (-mod=mod) and carry no VCS stamp (they sit inside this repository's work tree). GOFLAGS keeps
# what the caller set.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
# A step that hangs (a stuck download, say) ends with a message instead of eating a CI run's budget.
step_timeout_s="${FIREBREAK_BUILD_STEP_TIMEOUT_S:-2700}"
go_bin="$(command -v go)"
go() { timeout --kill-after=30 "$step_timeout_s" "$go_bin" "$@"; }

stamped() { [ -f "$out/$1.stamp" ] && [ "$(cat "$out/$1.stamp")" = "$2" ]; }
stamp() { echo "$2" > "$out/$1.stamp"; }
took() { echo "  $1 built in $(( $(date +%s) - $2 )) s"; }
# A cold build is quiet for many minutes: a line a minute shows a CI log (and a person) that it
# is alive and how far it got, instead of a silence a timeout ends.
heartbeat_pid=""
heartbeat() {
  local what="$1" since
  since=$(date +%s)
  ( while sleep 60; do
      echo "  ... $(date +%H:%M:%S) $what: $(( $(date +%s) - since )) s so far, load $(cut -d' ' -f1 /proc/loadavg), go cache $(du -sm "$("$go_bin" env GOCACHE)" 2>/dev/null | cut -f1) MB"
    done ) 2>/dev/null &  # (a killed sleep would make the subshell say "Terminated")
  heartbeat_pid=$!
}
# its `sleep` goes too: an orphaned sleep would hold this script's output (and a make -j
# jobserver's pipe) for up to a minute
quiet() {
  if [ -n "$heartbeat_pid" ]; then
    pkill -P "$heartbeat_pid" 2>/dev/null || true
    kill "$heartbeat_pid" 2>/dev/null || true
  fi
  heartbeat_pid=""
}
trap quiet EXIT

# --- Kubernetes: a wrapper module, since go install refuses a go.mod with replace directives ---
if ! stamped kubernetes "$k8s_version"; then
  start=$(date +%s)
  echo "building Kubernetes $k8s_version (about 900 CPU-seconds cold: 8 minutes on 2 free cores)..."
  mod="$work/kubernetes"
  rm -rf "$mod" && mkdir -p "$mod"
  gomod="$(go mod download -json "k8s.io/kubernetes@$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  staging="v0${k8s_version#v1}" # k8s.io/api and the other staging modules are tagged v0.<minor>.<patch>
  {
    echo "module firebreak.local/kubernetes-build"
    echo
    grep -E '^go ' "$gomod"
    echo
    echo "require k8s.io/kubernetes $k8s_version"
    echo
    echo "replace ("
    # every staging module kubernetes replaces with a folder becomes the published module
    awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r&&/=> \.\/staging/{print $1}' "$gomod" |
      while read -r m; do echo "	$m => $m $staging"; done
    echo ")"
  } > "$mod/go.mod"
  cat > "$mod/tools.go" <<'EOF'
//go:build tools

// Package tools pins the commands this module builds, so go mod tidy keeps their dependencies.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
EOF
  heartbeat "building Kubernetes"
  (cd "$mod" && go mod tidy)
  minor="${k8s_version#v1.}"; minor="${minor%%.*}"
  pkg=k8s.io/component-base/version
  (cd "$mod" && go build -trimpath -o "$bin/" \
    -ldflags "-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)
  quiet
  stamp kubernetes "$k8s_version"
  took Kubernetes "$start"
fi

# --- etcd: its server module is the main package; its sibling modules are replaced by folders ---
if ! stamped etcd "$etcd_version"; then
  start=$(date +%s)
  echo "building etcd $etcd_version (3-4 minutes cold)..."
  mod="$work/etcd"
  rm -rf "$mod" && mkdir -p "$mod"
  gomod="$(go mod download -json "go.etcd.io/etcd/server/v3@$etcd_version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  {
    echo "module firebreak.local/etcd-build"
    echo
    grep -E '^go ' "$gomod"
    echo
    echo "require go.etcd.io/etcd/server/v3 $etcd_version"
    echo
    echo "replace ("
    grep -E '^\s*(replace\s+)?go\.etcd\.io/etcd/[^ ]+ => \.\./' "$gomod" | sed -E 's/^\s*(replace\s+)?//' |
      awk -v v="$etcd_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$mod/go.mod"
  cat > "$mod/tools.go" <<'EOF'
//go:build tools

// Package tools pins the etcd server so go mod tidy keeps its dependencies.
package tools

import _ "go.etcd.io/etcd/server/v3"
EOF
  heartbeat "building etcd"
  (cd "$mod" && go mod tidy && go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
  quiet
  stamp etcd "$etcd_version"
  took etcd "$start"
fi

# --- CoreDNS: our own main with only the plugins the cluster uses (see scripts/coredns) ---
coredns_src="$root/scripts/coredns/main.go"
coredns_stamp="$coredns_version-$(sha256sum "$coredns_src" | cut -c1-16)"
if ! stamped coredns "$coredns_stamp"; then
  start=$(date +%s)
  echo "building CoreDNS $coredns_version with the cluster's plugins only (1-2 minutes cold)..."
  mod="$work/coredns"
  rm -rf "$mod" && mkdir -p "$mod"
  cp "$coredns_src" "$mod/main.go"
  gomod="$(go mod download -json "github.com/coredns/coredns@$coredns_version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  staging="v0${k8s_version#v1}"
  {
    echo "module firebreak.local/coredns-build"
    echo
    grep -E '^go ' "$gomod"
    echo
    echo "require github.com/coredns/coredns $coredns_version"
    # the Kubernetes libraries at the node's own version: their compiled packages are shared
    # with the Kubernetes build above
    echo "require k8s.io/client-go $staging"
    echo "require k8s.io/api $staging"
    echo "require k8s.io/apimachinery $staging"
  } > "$mod/go.mod"
  heartbeat "building CoreDNS"
  (cd "$mod" && go mod tidy && go build -trimpath -ldflags "-s -w" -o "$bin/coredns" .)
  quiet
  stamp coredns "$coredns_stamp"
  took CoreDNS "$start"
fi

# --- a registry, for runs on a cluster that pulls its images (see scripts/registry) ---
registry_src="$root/scripts/registry/main.go"
registry_stamp="$registry_version-$(sha256sum "$registry_src" | cut -c1-16)"
if ! stamped registry "$registry_stamp"; then
  start=$(date +%s)
  echo "building the distribution registry $registry_version (a minute cold)..."
  mod="$work/registry"
  rm -rf "$mod" && mkdir -p "$mod"
  cp "$registry_src" "$mod/main.go"
  printf 'module firebreak.local/registry-build\n\ngo 1.26.0\n\nrequire github.com/distribution/distribution/v3 %s\n' \
    "$registry_version" > "$mod/go.mod"
  heartbeat "building the registry"
  (cd "$mod" && go mod tidy && go build -trimpath -ldflags "-s -w" -o "$bin/registry" .)
  quiet
  stamp registry "$registry_stamp"
  took registry "$start"
fi

# --- pause: the pod sandbox's first process; nothing can be pulled, so it is ours ---
pause_src="$root/scripts/pause/main.go"
pause_sum="$(sha256sum "$pause_src" | cut -c1-16)"
if ! stamped pause "$pause_sum"; then
  mod="$work/pause"
  rm -rf "$mod" && mkdir -p "$mod"
  cp "$pause_src" "$mod/main.go"
  printf 'module firebreak.local/pause\n\ngo 1.22\n' > "$mod/go.mod"
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$bin/pause" .)
  stamp pause "$pause_sum"
fi
echo "cluster binaries ready in $bin"
