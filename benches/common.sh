# Shared by the bench scripts (sourced): a registry on a free loopback port ($registry, its pid
# in $registry_pid); busybox for amd64 and arm64 from Debian packages, pushed there as one
# index, REGISTRY/busybox:1 (root filesystems in $work/rootfs-ARCH); the Go toolchain image
# REGISTRY/golang:1.19 (amd64, as the tests make it; its root in $work/rootfs-go). Expects
# $work and a `bah` function (buildah with the caller's storage).

start_registry() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
    "$work/registry" "$port" > "$work/registry.yml"
  docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
  registry_pid=$!
  until curl -sf "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done
  registry="127.0.0.1:$port"
}

push_busybox() {
  local arch applet ctr
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
  (cd "$work" && apt-get download -qq busybox-static:amd64 busybox-static:arm64 2>/dev/null)
  for arch in amd64 arm64; do
    dpkg -x "$work"/busybox-static_*_"$arch".deb "$work/rootfs-$arch"
    for applet in $("$work/rootfs-amd64/bin/busybox" --list 2>/dev/null || "$work/rootfs-$arch/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs-$arch/bin/$applet"
    done
    ctr=$(bah from --arch "$arch" scratch)
    bah copy "$ctr" "$work/rootfs-$arch/" / >/dev/null
    bah config --arch "$arch" --os linux --cmd /bin/sh "$ctr"
    bah commit -q "$ctr" "busybox-$arch" >/dev/null
  done
  bah manifest create bb >/dev/null
  for arch in amd64 arm64; do bah manifest add bb "containers-storage:localhost/busybox-$arch" >/dev/null; done
  bah manifest push --all --tls-verify=false bb "docker://$registry/busybox:1" >/dev/null 2>&1
}

push_golang() {
  local go="$work/rootfs-go" deb applet ctr
  (cd "$work" && apt-get download -qq golang-1.19-go:amd64 golang-1.19-src libc6:amd64 2>/dev/null)
  for deb in "$work"/golang-1.19-go_*_amd64.deb "$work"/golang-1.19-src_*_all.deb "$work"/libc6_*_amd64.deb "$work"/busybox-static_*_amd64.deb; do
    dpkg -x "$deb" "$go"
  done
  for applet in $("$go/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$go/bin/$applet"; done
  mkdir -p "$go/tmp"
  ctr=$(bah from --arch amd64 scratch)
  bah copy "$ctr" "$go/" / >/dev/null
  bah config --arch amd64 --os linux --env PATH=/usr/lib/go-1.19/bin:/usr/bin:/bin --env GOCACHE=/tmp/go-cache \
    --env GOPATH=/tmp/go --env GOFLAGS=-mod=mod "$ctr"
  bah commit -q "$ctr" golang-amd64 >/dev/null
  bah push --tls-verify=false golang-amd64 "docker://$registry/golang:1.19" >/dev/null 2>&1
}
