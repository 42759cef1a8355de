#!/usr/bin/env bash
# A Docker daemon per test-bed host: `up N` starts dockerd inside each namespace flh1..flhN made by
# scripts/netns-test-env.sh (its own --data-root, --exec-root, socket and pid file under
# /run/flotilla-netns/<host>), and loads the test image into it; `down` stops them and removes
# their directories. Idempotent.
#
# dockerd starts through `nsenter --net=…`, not `ip netns exec`: the latter remounts /sys for the
# command and dockerd then fails ("Devices cgroup isn't mounted").
#
# The image flotilla-test/busybox-nss:1 is busybox-static plus what glibc's name service needs at
# run time (libc, ld-linux, libnss_dns, libnss_files, libresolv, nsswitch.conf): busybox's static
# wget/nc resolve names through NSS, so a container can reach a service by name (checked:
# `wget -O- http://db:1/` resolves through /etc/hosts and DNS). Busybox 1.35's `wget -T` and
# `wget -q -T` crash (SIGSEGV, on the host too): bound a request with `timeout 2 wget …` instead.
# A namespace has no route off the machine, so a daemon's own lookups (an image pull) fail at once
# ("network is unreachable") and send nothing.
set -euo pipefail

ROOT=/run/flotilla-netns
DATA=/var/lib/flotilla-netns
IMAGE=flotilla-test/busybox-nss:1
PREFIX=${FLOTILLA_NETNS_PREFIX:-flh}   # the test bed's host names: <prefix>1..N

socket() { echo "unix://$ROOT/$1/docker.sock"; }

image_tar() {
  local out=$1 rootfs busybox lib
  rootfs=$(mktemp -d)
  busybox=/bin/busybox
  ldd "$busybox" >/dev/null 2>&1 && { echo "netns-docker: $busybox is not static (apt-get install busybox-static)" >&2; exit 1; }
  mkdir -p "$rootfs"/bin "$rootfs"/tmp "$rootfs"/www "$rootfs"/etc "$rootfs"/root "$rootfs"/lib64
  cp "$busybox" "$rootfs"/bin/busybox
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  lib=$(dirname "$(readlink -f "$(ldconfig -p | awk '/libc.so.6 .*x86-64/ {print $NF; exit}')")")
  mkdir -p "$rootfs$lib"
  for so in libc.so.6 libnss_dns.so.2 libnss_files.so.2 libresolv.so.2; do
    cp -L "$lib/$so" "$rootfs$lib/$so"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs"/lib64/
  printf 'hosts: files dns\n' > "$rootfs"/etc/nsswitch.conf
  chmod 1777 "$rootfs"/tmp
  echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs"/etc/passwd
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$rootfs"/etc/passwd
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs"/etc/group
  echo 'flotilla test page' > "$rootfs"/www/index.html
  tar -C "$rootfs" -cf "$out" .
  rm -rf "$rootfs"
}

up() {
  local n=$1 tar host i
  tar=$(mktemp --suffix=.tar)
  image_tar "$tar"
  for i in $(seq 1 "$n"); do
    host=$PREFIX$i
    [ -e "/var/run/netns/$host" ] || { echo "netns-docker: no namespace $host (scripts/netns-test-env.sh up $n first)" >&2; exit 1; }
    mkdir -p "$ROOT/$host/exec" "$DATA/$host"
    if ! docker -H "$(socket $host)" info >/dev/null 2>&1; then
      setsid nsenter --net="/var/run/netns/$host" dockerd --data-root "$DATA/$host" --exec-root "$ROOT/$host/exec" \
        -H "$(socket $host)" --pidfile "$ROOT/$host/docker.pid" >"$ROOT/$host/dockerd.log" 2>&1 < /dev/null &
    fi
  done
  for i in $(seq 1 "$n"); do
    host=$PREFIX$i
    for _ in $(seq 1 60); do
      docker -H "$(socket $host)" info >/dev/null 2>&1 && break
      sleep 0.5
    done
    docker -H "$(socket $host)" info >/dev/null 2>&1 \
      || { echo "netns-docker: dockerd in $host did not come up:" >&2; tail -n 20 "$ROOT/$host/dockerd.log" >&2; exit 1; }
    if ! docker -H "$(socket $host)" image inspect "$IMAGE" >/dev/null 2>&1; then
      docker -H "$(socket $host)" import -c 'ENV PATH=/bin' -c 'WORKDIR /' -c 'CMD ["/bin/sh"]' "$tar" "$IMAGE" >/dev/null
    fi
    echo "netns-docker: $host dockerd at $(socket $host), image $IMAGE"
  done
  rm -f "$tar"
}

down() {
  local holder
  holder=$(cat /run/flotilla-netns-test-env.owner 2>/dev/null || true)
  if [[ $holder =~ ^[0-9]+$ ]] && [ "$holder" != "$PPID" ] && kill -0 "$holder" 2>/dev/null; then
    echo "netns-docker: the test bed is held by pid $holder (scripts/netns-test-env.sh); its dockerds left as they are" >&2
    return 0
  fi
  local dir host pid
  for dir in "$ROOT"/"$PREFIX"*; do
    [ -d "$dir" ] || continue
    host=$(basename "$dir")
    if [ -f "$dir/docker.pid" ]; then
      pid=$(cat "$dir/docker.pid")
      docker -H "$(socket $host)" ps -aq 2>/dev/null | xargs -r docker -H "$(socket $host)" rm -f >/dev/null 2>&1 || true
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
    rm -rf "$dir" "$DATA/$host"
  done
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  *) echo "usage: $0 up [N] | down" >&2; exit 2 ;;
esac
