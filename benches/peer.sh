#!/usr/bin/env bash
# Times mpbake beside buildah, both platforms (linux/amd64 + linux/arm64), base images in a
# local registry, no layer cache, runs alternating between the tools, and prints medians:
#  1. the seed's per-arch binaries: `buildah build` of the seed Dockerfile (COPY both binaries +
#     RUN if/else under qemu for arm64) against `mpbake build` of the spec (per-arch selection);
#  2. the Go hello: the same Dockerfile (a cross-compiling builder on $BUILDPLATFORM) built by
#     buildah and by mpbake; then mpbake's unchanged rebuild;
#  3. layer writing: a 300 MB+ tree (the Go toolchain's root filesystem) as one gzip layer,
#     `tar -c DIR | gzip -6` against mpbake's COPY of the tree (staging, hashing, compressing).
# Both tools keep their storage (buildah's images, mpbake's store) on a fresh ext4 made with
# mkfs's defaults (journal included) on a loop device: the reference machine's root filesystem
# is ext4 without a journal, where every file creation scans the inodes deleted in the last
# minutes, so deleting one run's storage before the next added seconds, varying, to both tools.
# Needs root, docker-registry, buildah, runc, qemu-user-static with binfmt, and arm64 apt
# sources (what .ci/run installs). Usage: bash benches/peer.sh [RUNS]   (default 5)
set -euo pipefail
runs=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "$registry_pid" 2>/dev/null || true; umount "$work/store" 2>/dev/null || true; rm -rf "$work"' EXIT
truncate -s 8G "$work/store.img"
mkfs.ext4 -q -F "$work/store.img"
mkdir "$work/store"
mount -o loop,discard "$work/store.img" "$work/store"

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
mpbake="$repo/target/release/mpbake"

bah() { buildah --root "$work/store/buildah" --runroot "$work/run" --storage-driver vfs "$@"; }
# shellcheck source=benches/common.sh
source "$repo/benches/common.sh"
start_registry
push_busybox

# the example with real binaries (static busybox of each architecture)
cp -a "$repo/examples/per-arch-binaries" "$work/example"
mkdir -p "$work/example/dist"
cp "$work/rootfs-amd64/bin/busybox" "$work/example/dist/xxx.amd64"
cp "$work/rootfs-arm64/bin/busybox" "$work/example/dist/xxx.arm64"

now() { date +%s.%N; }
# let the previous run's writes reach the disk, so each run starts from the same state
settle() { sync; sleep 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# buildah of DOCKERFILE in DIR, both platforms, its images removed first: time_buildah DIR DOCKERFILE
time_buildah() {
  local t0 t1
  bah rmi --all --force >/dev/null 2>&1 || true
  settle
  t0=$(now)
  bah build --isolation chroot --tls-verify=false --no-cache --platform linux/amd64,linux/arm64 \
    --build-arg "REGISTRY=$registry" -f "$2" "$1" >/dev/null 2>&1
  t1=$(now); echo "$t1 - $t0" | bc
}
# mpbake build in DIR, from an empty store unless the second argument is `warm`
time_mpbake() {
  local t0 t1
  [ "${2:-cold}" = warm ] || rm -rf "$work/store/mpbake" "$1/mpbake-out"
  settle
  t0=$(now)
  (cd "$1" && MPBAKE_CACHE_DIR="$work/store/mpbake" REGISTRY="$registry" "$mpbake" build --progress plain >/dev/null 2>&1)
  t1=$(now); echo "$t1 - $t0" | bc
}
# runs alternate between the tools, so a machine whose speed drifts treats both alike
# interleaved RUNS DIR DOCKERFILE: "buildah-median mpbake-median"
interleaved() {
  local b=() m=()
  for _ in $(seq "$runs"); do
    b+=("$(time_buildah "$1" "$2")")
    m+=("$(time_mpbake "$1")")
  done
  echo "$(printf '%s\n' "${b[@]}" | median) $(printf '%s\n' "${m[@]}" | median)"
}
read -r b m < <(interleaved "$work/example" "$work/example/Dockerfile.seed")
echo "per-arch binaries, linux/amd64+linux/arm64, $runs runs, medians:"
echo "  buildah build (seed Dockerfile, RUN under qemu): ${b} s"
echo "  mpbake build (per-arch selection, no RUN):      ${m} s"
echo "  speedup: $(echo "scale=1; $b / $m" | bc)x"

push_golang
go="$work/rootfs-go"
cp -a "$repo/examples/go-hello" "$work/hello"

read -r bg mg < <(interleaved "$work/hello" "$work/hello/Dockerfile")
mr=$(for _ in $(seq "$runs"); do time_mpbake "$work/hello" warm; done | median)
echo "Go hello, linux/amd64+linux/arm64, $runs runs, medians:"
echo "  buildah build: ${bg} s"
echo "  mpbake build:  ${mg} s"
echo "  speedup: $(echo "scale=1; $bg / $mg" | bc)x"
echo "  mpbake unchanged rebuild: ${mr} s"

# layer writing: the Go root filesystem as one gzip layer
mkdir -p "$work/layer"
cp -a "$go" "$work/layer/tree"
printf 'FROM scratch\nCOPY tree/ /tree/\n' > "$work/layer/Dockerfile"
printf 'target "default" {\n  platforms = ["linux/amd64"]\n}\n' > "$work/layer/docker-bake.hcl"
size=$(du -sm "$work/layer/tree" | cut -f1)
time_tar_gzip() {
  local t0 t1
  settle
  t0=$(now)
  tar -C "$work/layer/tree" -cf - . | gzip -6 > /dev/null
  t1=$(now); echo "$t1 - $t0" | bc
}
tg=$(for _ in $(seq "$runs"); do time_tar_gzip; done | median)
ml=$(for _ in $(seq "$runs"); do time_mpbake "$work/layer"; done | median)
echo "layer writing, ${size} MB tree, $runs runs, medians:"
echo "  tar -c | gzip -6:          ${tg} s ($(echo "scale=0; $size / $tg" | bc) MB/s)"
echo "  mpbake COPY into a layer:  ${ml} s ($(echo "scale=0; $size / $ml" | bc) MB/s)"
echo "  throughput ratio: $(echo "scale=2; $tg / $ml" | bc)x"
