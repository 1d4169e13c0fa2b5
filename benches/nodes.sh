#!/usr/bin/env bash
# Times a six-target, two-platform group whose RUN must execute on the target platform (a
# busybox shell loop standing in for a native compile: it cannot be cross-compiled), built
#  1. here, by mpbake alone: linux/amd64 native, linux/arm64 under qemu-user;
#  2. on two nodes: two private dockerd on this same machine, one declared linux/amd64 and one
#     linux/arm64 (`--node`); the arm64 one also runs qemu-user here.
# A SIMULATION: on real hardware the arm64 node is a native machine and its share runs 8-20x
# faster; here both setups share the same 2 cores, so the numbers show the overhead and the
# split of the work, not the speedup. Runs alternate, every run cold (empty mpbake store, node
# build caches and images pruned), medians printed, with each node's share of step time.
# Needs root, docker-registry, buildah, dockerd, qemu-user-static with binfmt and arm64 apt
# sources (what .ci/run installs). Usage: bash benches/nodes.sh [RUNS] [LOOP]  (default 3 200000)
set -euo pipefail
runs=${1:-3}
loop=${2:-200000}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 3
  for d in amd arm; do umount -l "$work/$d/data" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
mpbake="$repo/target/release/mpbake"

bah() { buildah --root "$work/buildah" --runroot "$work/run" --storage-driver vfs "$@"; }
# shellcheck source=benches/common.sh
source "$repo/benches/common.sh"
start_registry
pids+=("$registry_pid")
push_busybox

for d in amd arm; do
  mkdir -p "$work/$d"
  dockerd --data-root "$work/$d/data" --exec-root "$work/$d/exec" --pidfile "$work/$d/pid" -H "unix://$work/$d/sock" \
    --storage-driver vfs --bridge=none --iptables=false --ip-masq=false >"$work/$d/log" 2>&1 &
  pids+=($!)
done
for d in amd arm; do until /usr/bin/docker -H "unix://$work/$d/sock" info >/dev/null 2>&1; do sleep 0.25; done; done

mkdir "$work/group"
cat > "$work/group/docker-bake.hcl" <<HCL
variable "REGISTRY" {}
group "default" {
  targets = ["svc"]
}
target "svc" {
  name      = "svc\${n}"
  matrix    = { n = [1, 2, 3, 4, 5, 6] }
  args      = { REGISTRY = REGISTRY, N = n }
  platforms = ["linux/amd64", "linux/arm64"]
}
HCL
printf 'ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nARG N\nRUN i=0; while [ $i -lt %s ]; do i=$((i+1)); done; echo "$N $(uname -m)" > /built\n' "$loop" > "$work/group/Dockerfile"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
nodes=(--node "amd=linux/amd64=unix://$work/amd/sock" --node "arm=linux/arm64=unix://$work/arm/sock")
# one cold build: here, or on the nodes; prints its seconds, its log in $work/last.log
time_build() {
  rm -rf "$work/store" "$work/group/out"
  for d in amd arm; do
    /usr/bin/docker -H "unix://$work/$d/sock" builder prune -af >/dev/null 2>&1 || true
    /usr/bin/docker -H "unix://$work/$d/sock" image prune -af >/dev/null 2>&1 || true
  done
  sync; sleep 1
  local t0 t1 extra=()
  [ "$1" = nodes ] && extra=("${nodes[@]}")
  t0=$(now)
  (cd "$work/group" && MPBAKE_CACHE_DIR="$work/store" REGISTRY="$registry" "$mpbake" build -o out --progress plain "${extra[@]}" >/dev/null 2>"$work/last.log")
  t1=$(now); echo "$t1 - $t0" | bc
}
# seconds of finished steps a node reported in the last log
node_seconds() { grep -o "^#$1/[0-9]* DONE [0-9.]*" "$work/last.log" | awk '{s+=$3} END {printf "%.1f", s}'; }
here=() there=() amd_s=() arm_s=()
for _ in $(seq "$runs"); do
  here+=("$(time_build here)")
  there+=("$(time_build nodes)")
  amd_s+=("$(node_seconds amd)"); arm_s+=("$(node_seconds arm)")
done
h=$(printf '%s\n' "${here[@]}" | median); t=$(printf '%s\n' "${there[@]}" | median)
echo "six targets x linux/amd64+linux/arm64, RUN loop of $loop, $runs cold runs each, medians (a simulation: one 2-core machine):"
echo "  here (amd64 native, arm64 under qemu): ${h} s"
echo "  two nodes (amd64 node, arm64 node emulating on this machine): ${t} s"
echo "  ratio here/nodes: $(echo "scale=2; $h / $t" | bc)"
echo "  step seconds reported by the nodes, median: amd $(printf '%s\n' "${amd_s[@]}" | median) s, arm $(printf '%s\n' "${arm_s[@]}" | median) s (6 target platforms each)"
