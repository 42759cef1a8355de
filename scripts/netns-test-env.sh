#!/usr/bin/env bash
# A test bed of hosts as network namespaces, for the overlay networks' tests (docs/networks.md):
#
#   scripts/netns-test-env.sh up N     hosts flh1..flhN on an isolated underlay, then prints the layout
#   scripts/netns-test-env.sh down     removes all of it (and the tests' task namespaces, flt-*)
#   scripts/netns-test-env.sh layout   prints the layout of what is up
#
# The underlay is a switch: a bridge fl-underlay in a namespace of its own, flsw, with no address,
# no route and no netfilter on bridged frames (bridge-nf-call-iptables=0 there: a real network's
# switch does not run conntrack and iptables on the hosts' VXLAN datagrams, and the machine's
# namespace, where Docker sets it to 1, would). The machine reaches the hosts through one veth,
# fl-underlay here with 198.18.77.254/24 (RFC 2544's benchmarking range, which no real network
# routes) and fl-uh0 on the switch. Host I is the namespace flhI (a file in /var/run/netns), with
# one veth (eth0 inside, fl-uhI on the switch), 198.18.77.I/24, lo up, and NO default route:
# nothing sent in a host namespace can leave the machine. To watch the wire between the hosts:
# `nsenter --net=/var/run/netns/flsw tcpdump -ni fl-underlay`. Before it adds
# anything, `up` refuses to run if any interface already has an address in 198.18.77.0/24 or any
# route other than a default one covers it; after, it checks that `ip route get` sends every
# test address through fl-underlay (and that a host namespace has no way out) and undoes
# everything if not.
#
# Like Docker (which later runs in each host: `nsenter --net=/var/run/netns/flhI dockerd …`,
# not `ip netns exec`, which remounts /sys), every host namespace has the FORWARD policy DROP and
# net.bridge.bridge-nf-call-iptables=1, so the overlay's own accept rules are exercised. In the
# machine's namespace, rules marked flotilla-netns-test-env forward nothing between fl-underlay
# and any other interface, and drop what arrives from it with a source outside 198.18.77.0/24.
#
# Idempotent; runs under a lock (tests of several modules may call it). The bed is also held by
# one user at a time: `up` records its caller (the process that ran the script: a test JVM, a
# bench, a shell) in /run/flotilla-netns-test-env.owner; another caller's `up` waits (up to
# FLOTILLA_NETNS_WAIT seconds, default 1200) until that process has ended or called `down`, and
# another caller's `down` leaves the bed alone. Two builds on one machine then take turns instead
# of tearing down each other's hosts. Needs root, iproute2, iptables.
set -euo pipefail

UNDERLAY=fl-underlay
SWITCH=flsw
PREFIX=198.18.77
BRIDGE_ADDRESS=$PREFIX.254/24
NETNS_DIR=/var/run/netns
MARK=(-m comment --comment flotilla-netns-test-env)
# In the machine's namespace: nothing is forwarded between the test bed and any other interface;
# and a packet from the test bed whose source is not a host's underlay address (a task's overlay
# address that was not masqueraded) is dropped on arrival, so that nothing here ever answers it
# through the uplink.
RULES=("FORWARD -i $UNDERLAY ! -o $UNDERLAY ${MARK[*]} -j DROP"
       "FORWARD ! -i $UNDERLAY -o $UNDERLAY ${MARK[*]} -j DROP"
       "INPUT -i $UNDERLAY ! -s $PREFIX.0/24 ${MARK[*]} -j DROP")
# A bed of the earlier layout (the switch was a bridge in the machine's namespace) accepted this one.
STALE_RULES=("FORWARD -i $UNDERLAY -o $UNDERLAY ${MARK[*]} -j ACCEPT")

die() { echo "netns-test-env: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, veths, iptables)"
for tool in ip iptables nsenter flock; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install iproute2 iptables util-linux)"
done

exec 9>/run/flotilla-netns-test-env.lock
flock -w 60 9 || die "another run holds /run/flotilla-netns-test-env.lock"
OWNER_FILE=/run/flotilla-netns-test-env.owner
CALLER=$PPID

owner() {   # the live process that holds the bed, other than the caller; nothing if none
  local pid
  pid=$(cat "$OWNER_FILE" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && [ "$pid" != "$CALLER" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  return 0
}

wait_for_bed() {   # called under the lock; returns under it, with the bed ours
  local deadline=$((SECONDS + ${FLOTILLA_NETNS_WAIT:-1200})) pid said=""
  while pid=$(owner); [ -n "$pid" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "the test bed is still held by pid $pid ($(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-120))"
    if [ -z "$said" ]; then
      echo "netns-test-env: waiting for pid $pid, which holds the test bed" >&2
      said=1
    fi
    flock -u 9
    sleep 2
    flock -w 60 9 || die "another run holds /run/flotilla-netns-test-env.lock"
  done
  echo "$CALLER" >"$OWNER_FILE"
}

hosts() {   # the host namespaces that exist, flh1 flh2 …
  local f
  for f in "$NETNS_DIR"/flh*; do
    [ -e "$f" ] || continue
    f=${f##*/}
    [[ $f =~ ^flh[0-9]+$ ]] && echo "$f"
  done | sort -V
}

# Refuses when 198.18.77.0/24 is in use here by anything but this test bed: an address on any
# interface other than fl-underlay, or a route other than a default one (any table).
check_range_unused() {
  local line
  while read -r line; do
    [ -n "$line" ] || continue
    [[ $line == *" dev $UNDERLAY "* || $line == *" dev $UNDERLAY" ]] && continue
    die "198.18.77.0/24 is already in use here, refusing: address $line"
  done < <(ip -4 -o addr show | awk '{print $4" dev "$2}' | grep -F "$PREFIX." || true)
  while read -r line; do
    [ -n "$line" ] || continue
    [[ $line == default* ]] && continue
    [[ $line == *" dev $UNDERLAY "* || $line == *" dev $UNDERLAY" ]] && continue
    die "a route covers 198.18.77.0/24 here, refusing: $line"
  done < <({ ip -4 route show table all match "$PREFIX.0/24"; ip -4 route show table all | grep -F "$PREFIX." || true; } | sort -u)
}

# Every test address must go through fl-underlay, a host must have no way off the machine, and the
# switch must neither route nor filter.
check_routes() {
  local n=$1 i out
  out=$(ip -n "$SWITCH" -4 route show table all 2>&1 | grep -v '^local\|^broadcast' || true)
  [ -z "$out" ] || { echo "netns-test-env: the switch $SWITCH has routes: $out" >&2; return 1; }
  out=$(ip netns exec "$SWITCH" sh -c 'cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0')
  [ "$out" = 0 ] || { echo "netns-test-env: the switch $SWITCH filters bridged frames" >&2; return 1; }
  for i in $(seq 1 "$n"); do
    out=$(ip -4 route get "$PREFIX.$i" 2>&1) || return 1
    [[ $out == *" dev $UNDERLAY "* ]] || { echo "netns-test-env: $PREFIX.$i does not go through $UNDERLAY: $out" >&2; return 1; }
    out=$(ip -n "flh$i" -4 route get "$PREFIX.254" 2>&1) || return 1
    [[ $out == *" dev eth0 "* ]] || { echo "netns-test-env: flh$i reaches $PREFIX.254 other than by eth0: $out" >&2; return 1; }
    if ip -n "flh$i" -4 route get 192.0.2.1 >/dev/null 2>&1; then
      echo "netns-test-env: flh$i has a route off the test bed" >&2; return 1
    fi
  done
}

remove_host() {   # its veth goes with its namespace
  local h=$1
  ip -n "$SWITCH" link del "fl-uh${h#flh}" 2>/dev/null || true
  ip netns del "$h" 2>/dev/null || true
}

remove_rules() {
  local rule
  for rule in "$@"; do
    # shellcheck disable=SC2086 # a rule is words
    while iptables -w -C $rule 2>/dev/null; do iptables -w -D $rule; done
  done
}

# The machine's end of the underlay must be a veth into the switch; a bridge here is the earlier
# layout's, removed with its ports (fl-uhI) and its accept rule.
remove_old_layout() {
  local link
  if ip -d link show "$UNDERLAY" 2>/dev/null | grep -qw bridge; then
    for link in $(ip -o link show master "$UNDERLAY" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$link" 2>/dev/null || true
    done
    ip link del "$UNDERLAY" 2>/dev/null || true
  fi
  remove_rules "${STALE_RULES[@]}"
}

down() {
  local h f pid
  pid=$(owner)
  if [ -n "$pid" ]; then
    echo "netns-test-env: the test bed is held by pid $pid; left as it is" >&2
    return 0
  fi
  rm -f "$OWNER_FILE"
  for h in $(hosts); do remove_host "$h"; done
  for f in "$NETNS_DIR"/flt-*; do   # the tests' task namespaces
    [ -e "$f" ] && ip netns del "${f##*/}" 2>/dev/null || true
  done
  ip link del "$UNDERLAY" 2>/dev/null || true
  ip netns del "$SWITCH" 2>/dev/null || true
  remove_rules "${RULES[@]}" "${STALE_RULES[@]}"
}

layout() {
  local h i
  echo "underlay: bridge $UNDERLAY in the switch namespace $NETNS_DIR/$SWITCH (no netfilter on bridged frames)," \
    "reached from here by the veth $UNDERLAY with $BRIDGE_ADDRESS; VXLAN on UDP 4789"
  for h in $(hosts); do
    i=${h#flh}
    echo "host $h: address $PREFIX.$i/24 on eth0 (peer fl-uh$i on the switch), netns $NETNS_DIR/$h," \
      "enter: nsenter --net=$NETNS_DIR/$h;" \
      "dockerd: --data-root /var/lib/flotilla-test/$h/docker --exec-root /run/flotilla-test/$h/docker" \
      "-H unix:///run/flotilla-test/$h/docker.sock"
  done
}

up() {
  local n=$1 i h
  [[ $n =~ ^[1-9][0-9]?$ ]] || die "up N: N from 1 to 99"
  wait_for_bed
  check_range_unused
  mkdir -p "$NETNS_DIR"
  remove_old_layout
  [ -e "$NETNS_DIR/$SWITCH" ] || ip netns add "$SWITCH"
  # A switch forwards frames and nothing else: no netfilter on them (the default in a new namespace is 1).
  ip netns exec "$SWITCH" sh -c 'f=/proc/sys/net/bridge/bridge-nf-call-iptables; [ ! -e $f ] || echo 0 > $f'
  ip -n "$SWITCH" link show "$UNDERLAY" >/dev/null 2>&1 || ip -n "$SWITCH" link add "$UNDERLAY" type bridge
  ip -n "$SWITCH" link set "$UNDERLAY" up
  if ! ip link show "$UNDERLAY" >/dev/null 2>&1; then
    ip -n "$SWITCH" link del fl-uh0 2>/dev/null || true
    ip link add "$UNDERLAY" type veth peer name fl-uh0 netns "$SWITCH"
  fi
  ip -n "$SWITCH" link set fl-uh0 master "$UNDERLAY" up
  ip addr replace "$BRIDGE_ADDRESS" dev "$UNDERLAY"
  ip link set "$UNDERLAY" up
  local rule
  for rule in "${RULES[@]}"; do
    # shellcheck disable=SC2086 # a rule is words
    iptables -w -C $rule 2>/dev/null || iptables -w -I ${rule%% *} 1 ${rule#* }
  done
  for h in $(hosts); do   # hosts beyond N from an earlier, larger test bed
    [ "${h#flh}" -le "$n" ] || remove_host "$h"
  done
  for i in $(seq 1 "$n"); do
    h=flh$i
    [ -e "$NETNS_DIR/$h" ] || ip netns add "$h"
    if ! ip -n "$SWITCH" link show "fl-uh$i" >/dev/null 2>&1; then
      ip -n "$h" link del eth0 2>/dev/null || true
      ip -n "$SWITCH" link add "fl-uh$i" type veth peer name eth0 netns "$h"
    fi
    ip -n "$SWITCH" link set "fl-uh$i" master "$UNDERLAY" up
    ip -n "$h" addr replace "$PREFIX.$i/24" dev eth0
    ip -n "$h" link set eth0 up
    ip -n "$h" link set lo up
    # As Docker sets a host up (the overlay must work with it): forwarding filtered, bridged frames too.
    nsenter --net="$NETNS_DIR/$h" iptables -P FORWARD DROP
    ip netns exec "$h" sh -c 'f=/proc/sys/net/bridge/bridge-nf-call-iptables; [ ! -e $f ] || echo 1 > $f'
  done
  if ! check_routes "$n"; then
    down
    die "routes are not as expected; removed the test bed"
  fi
  layout
}

case "${1:-}" in
  up) up "${2:?up N: the number of hosts}" ;;
  down) down ;;
  layout) layout ;;
  *) die "usage: $0 up N | down | layout" ;;
esac
