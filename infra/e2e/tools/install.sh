#!/usr/bin/env bash
# Builds the pinned tools the e2e test runs from the Go module proxy into a
# user cache directory keyed by version, and prints that directory: the Pulumi
# CLI and Kubernetes provider; the control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, metrics-server); the node (kubelet,
# kube-proxy, containerd with its runc shim and ctr, runc, the CNI plugins
# bridge, host-local, loopback and portmap). A warm run only checks what is there.
#
#   infra/e2e/tools/install.sh            build what is missing, print the bin dir
#   infra/e2e/tools/install.sh --check    exit 1 if anything is missing
#
# Cold on 2 cores (empty module and build caches), measured 2026-12-02 on a
# machine busy with other builds (load average about 10), so an upper bound:
# etcd 2 min, kube-apiserver 16, controller-manager 6, scheduler 0.4, kubelet
# 2.4, kube-proxy 0.6, metrics-server 6.6, containerd + shim + ctr 9, runc 1.3,
# CNI plugins 1.2, pulumi 16, the Kubernetes provider 36 — 98 minutes busy.
# On an idle machine the control plane, pulumi and the provider took 31
# minutes together before (same versions), the node's additions about 7 more.
# Warm: a check of what is there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${CLOUDPERF_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudperf/tools}

PULUMI_VERSION=v3.276.0
PROVIDER_VERSION=4.32.0 # stamped so the engine accepts it for sdk/v4 v4.32.0
K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
METRICS_SERVER_VERSION=v0.8.0
CONTAINERD_VERSION=v2.4.2
RUNC_VERSION=v1.5.3
CNI_PLUGINS_VERSION=v1.10.0

bin=$cache/bin
mkdir -p "$bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
unset GOOS GOARCH

log() { printf '[tools %s] %s\n' "$(date +%T)" "$*" >&2; }

# want NAME VERSION: true when bin/NAME-VERSION is missing; "bin/NAME" links to it.
want() {
  local target=$bin/$1-$2
  if [ -x "$target" ]; then
    ln -sfn "$1-$2" "$bin/$1"
    return 1
  fi
  [ "${check_only:-0}" = 1 ] && { log "missing $1 $2"; missing=1; return 1; }
  log "building $1 $2"
  started=$SECONDS
  return 0
}
done_building() {
  ln -sfn "$1-$2" "$bin/$1"
  log "built $1 $2 in $((SECONDS - started))s"
}

# build MODULE_DIR NAME VERSION PACKAGE LDFLAGS: go build inside a pinned wrapper module.
build() {
  local dir=$1 name=$2 version=$3 pkg=$4 ldflags=${5:-}
  if want "$name" "$version"; then
    (cd "$dir" && nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$name-$version.tmp" "$pkg")
    mv "$bin/$name-$version.tmp" "$bin/$name-$version"
    done_building "$name" "$version"
  fi
}

check_only=0
missing=0
[ "${1:-}" = --check ] && check_only=1

build "$here/etcd" etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3

k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36 -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
  build "$here/kubernetes" "$c" "$K8S_VERSION" "k8s.io/kubernetes/cmd/$c" "$k8s_ldflags"
done

# go install NAME VERSION MODULE/PKG LDFLAGS: tools whose own go.mod needs no replace.
install() {
  local name=$1 version=$2 pkg=$3 ldflags=${4:-}
  if want "$name" "$version"; then
    local gobin=$cache/work/$name
    rm -rf "$gobin"
    GOBIN=$gobin GOFLAGS=${GOFLAGS#-mod=mod} nice -n 10 go install -trimpath -ldflags "-s -w $ldflags" "$pkg@$version"
    mv "$gobin/$name" "$bin/$name-$version"
    rm -rf "$gobin"
    done_building "$name" "$version"
  fi
}
install metrics-server "$METRICS_SERVER_VERSION" sigs.k8s.io/metrics-server/cmd/metrics-server \
  "-X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION -X k8s.io/component-base/version.gitVersion=$METRICS_SERVER_VERSION"

# The node's runtime. containerd: pure Go (no btrfs/devmapper/zfs snapshotters,
# overlayfs is what the node uses); runc: cgo with Debian's libseccomp-dev, so
# the RuntimeDefault seccomp profile is really enforced.
for c in containerd containerd-shim-runc-v2 ctr; do
  CGO_ENABLED=0 GOFLAGS="-tags=no_btrfs,no_devmapper,no_zfs" install "$c" "$CONTAINERD_VERSION" "github.com/containerd/containerd/v2/cmd/$c" \
    "-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
done
if [ "$check_only" = 0 ] && ! [ -x "$bin/runc-$RUNC_VERSION" ] && ! [ -f /usr/include/seccomp.h ]; then
  log "runc needs libseccomp-dev: apt-get install -y libseccomp-dev"
  exit 1
fi
CGO_ENABLED=1 GOFLAGS="-tags=seccomp" install runc "$RUNC_VERSION" github.com/opencontainers/runc "-X main.version=${RUNC_VERSION#v}"
# CNI plugins go to a directory of their own: containerd's cni bin_dirs.
cni=$bin/cni-$CNI_PLUGINS_VERSION
for c in main/bridge main/loopback ipam/host-local meta/portmap; do
  name=${c#*/}
  if [ ! -x "$cni/$name" ]; then
    if [ "$check_only" = 1 ]; then log "missing CNI plugin $name $CNI_PLUGINS_VERSION"; missing=1; continue; fi
    log "building CNI plugin $name $CNI_PLUGINS_VERSION"
    mkdir -p "$cni"
    GOBIN=$cni CGO_ENABLED=0 GOFLAGS= nice -n 10 go install -trimpath -ldflags "-s -w" \
      "github.com/containernetworking/plugins/plugins/$c@$CNI_PLUGINS_VERSION"
  fi
done
[ -d "$cni" ] && ln -sfn "cni-$CNI_PLUGINS_VERSION" "$bin/cni"

build "$here/pulumi" pulumi "$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"

if want pulumi-resource-kubernetes "v$PROVIDER_VERSION"; then
  # The provider's main package embeds a versioned schema that generate.go writes.
  work=$cache/work/kubernetes-provider
  rm -rf "$work" && mkdir -p "$work"
  cp "$here/kubernetes-provider/go.mod" "$here/kubernetes-provider/go.sum" "$work/"
  # go list -m reports no Dir until the module is in the module cache.
  src=$(cd "$work" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4 &&
    go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
  [ -n "$src" ] || { log "cannot find the pulumi-kubernetes provider module's source"; exit 1; }
  src=$src/cmd/pulumi-resource-kubernetes
  cp "$src"/main.go "$src"/generate.go "$src"/schema.json "$src"/terraform-mapping.json "$work/"
  chmod u+w "$work"/*
  (cd "$work" && VERSION=$PROVIDER_VERSION go run ./generate.go)
  (cd "$work" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PROVIDER_VERSION" \
    -o "$bin/pulumi-resource-kubernetes-v$PROVIDER_VERSION.tmp" .)
  mv "$bin/pulumi-resource-kubernetes-v$PROVIDER_VERSION.tmp" "$bin/pulumi-resource-kubernetes-v$PROVIDER_VERSION"
  rm -rf "$work"
  done_building pulumi-resource-kubernetes "v$PROVIDER_VERSION"
fi

[ "$missing" = 0 ] || exit 1
echo "$bin"
