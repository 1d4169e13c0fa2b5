#!/usr/bin/env bash
# Shared caches, measured (docs/benchmarks.md): the Go hello (linux/amd64+linux/arm64)
#  1. on a fresh store with a warm registry cache, no change: mpbake --cache-from against buildah
#     --layers with --cache-from/--cache-to on the same registry (fresh storage), and against
#     buildah cold (no cache);
#  2. one changed source file, from a cache exported with its cache mounts (mounts=true) and
#     from one without (the Dockerfile's go build gets a RUN --mount=type=cache for GOCACHE);
#  3. the bytes a cache-to exports, mode=min against mode=max.
# Runs alternate between the tools, every run on fresh storage, medians printed.
# Needs root, docker-registry, buildah, qemu-user-static with binfmt, arm64 apt sources (what
# .ci/run installs). Usage: bash benches/cache.sh [RUNS]   (default 3)
set -euo pipefail
runs=${1:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "$registry_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
mpbake="$repo/target/release/mpbake"
bah() { buildah --root "$work/buildah" --runroot "$work/run" --storage-driver vfs "$@"; }
# shellcheck source=benches/common.sh
source "$repo/benches/common.sh"
start_registry
push_busybox
push_golang
cp -a "$repo/examples/go-hello" "$work/hello"
sed 's|^RUN CGO_ENABLED=0|RUN --mount=type=cache,target=/tmp/go-cache CGO_ENABLED=0|' "$work/hello/Dockerfile" > "$work/hello/Dockerfile.mounts"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# mpbake build of the hello on a fresh store, with ARGS; prints seconds, its log in $work/mp.log
mp() {
  local t0 t1
  rm -rf "$work/store" "$work/out"
  sync; sleep 1
  t0=$(now)
  (cd "$work/hello" && MPBAKE_CACHE_DIR="$work/store" REGISTRY="$registry" "$mpbake" build -o "$work/out" --progress plain "$@" >/dev/null 2>"$work/mp.log")
  t1=$(now); echo "$t1 - $t0" | bc
}
# buildah build of the hello, both platforms, on fresh storage, with ARGS; prints seconds
bb() {
  local t0 t1
  bah rmi --all --force >/dev/null 2>&1 || true
  bah manifest rm hello-list >/dev/null 2>&1 || true
  sync; sleep 1
  t0=$(now)
  bah build --layers --isolation chroot --tls-verify=false --platform linux/amd64,linux/arm64 --manifest hello-list \
    --build-arg "REGISTRY=$registry" "$@" -f "$work/hello/Dockerfile" "$work/hello" >/dev/null 2>&1
  t1=$(now); echo "$t1 - $t0" | bc
}

# warm caches: each tool exports once
mp --cache-to "type=registry,ref=$registry/mcache:hello,mode=max" >/dev/null
bb --cache-to "$registry/bcache" >/dev/null
cold=() cached=() ours=()
for _ in $(seq "$runs"); do
  cold+=("$(bb)")
  cached+=("$(bb --cache-from "$registry/bcache")")
  ours+=("$(mp --cache-from "type=registry,ref=$registry/mcache:hello")")
done
c=$(printf '%s\n' "${cold[@]}" | median); b=$(printf '%s\n' "${cached[@]}" | median); m=$(printf '%s\n' "${ours[@]}" | median)
grep -q '0 steps executed' "$work/mp.log" || { echo "mpbake ran steps from a warm cache:"; cat "$work/mp.log"; exit 1; }
echo "Go hello, fresh storage, warm registry cache, no change, $runs runs, medians:"
echo "  buildah cold (no cache):                 ${c} s"
echo "  buildah --layers --cache-from registry:  ${b} s"
echo "  mpbake --cache-from registry:            ${m} s"
echo "  mpbake vs buildah cold: $(echo "scale=1; $c / $m" | bc)x; vs buildah cached: $(echo "scale=1; $b / $m" | bc)x"

# a changed source, from caches with and without the Go build cache
set_mounts=(--set hello.dockerfile=Dockerfile.mounts)
mp "${set_mounts[@]}" --cache-to "type=registry,ref=$registry/mcache:mounts,mode=max,mounts=true" >/dev/null
mp "${set_mounts[@]}" --cache-to "type=registry,ref=$registry/mcache:nomounts,mode=max" >/dev/null
sed -i 's/Hello/Hi/' "$work/hello/main.go"
with=() without=()
for _ in $(seq "$runs"); do
  with+=("$(mp "${set_mounts[@]}" --cache-from "type=registry,ref=$registry/mcache:mounts")")
  without+=("$(mp "${set_mounts[@]}" --cache-from "type=registry,ref=$registry/mcache:nomounts")")
done
echo "Go hello, main.go changed, fresh store, $runs runs, medians:"
echo "  cache with mounts (Go build cache restored): $(printf '%s\n' "${with[@]}" | median) s"
echo "  cache without mounts:                        $(printf '%s\n' "${without[@]}" | median) s"

# bytes exported per mode, each to a new ref
for mode in min max; do
  mp --cache-to "type=registry,ref=$registry/mcache:bytes-$mode,mode=$mode" >/dev/null
  echo "  cache-to mode=$mode: $(grep -o 'cache-to .*' "$work/mp.log" | sed 's/^cache-to [^:]*:[^:]*:[^:]*: //')"
done
