#!/usr/bin/env bash
# A GlusterFS test bed on one machine, for the glusterfs volume driver's tests and benchmarks:
# three glusterd on 127.0.0.2, 127.0.0.3 and 127.0.0.4 (each with its own working directory, run
# directory, socket and log, bound to its own address), peers of each other, and a started
# replica-3 volume `flotilla-test` (bricks under the test dir, network.ping-timeout 2 so a lost
# server is noticed in 2 s rather than 42).
#
#   scripts/gluster-test-env.sh start [DIR]    idempotent: does nothing when the volume answers
#   scripts/gluster-test-env.sh status [DIR]   exit 0 when the volume answers
#   scripts/gluster-test-env.sh stop [DIR]     unmounts mounts under DIR, kills this bed's gluster processes
#   scripts/gluster-test-env.sh purge [DIR]    stop, then delete DIR
#
# DIR defaults to ${FLOTILLA_GLUSTER_TEST_DIR:-/tmp/flotilla-gluster-test}. On success `start` and
# `status` print (stdout, nothing else there) the settings a node or test uses:
#   FLOTILLA_GLUSTER_SERVERS=127.0.0.2,127.0.0.3,127.0.0.4
#   FLOTILLA_GLUSTER_VOLUME=flotilla-test
# so `eval "$(scripts/gluster-test-env.sh start)"` exports them. Needs root, /dev/fuse for mounts,
# and Debian's glusterfs-server + glusterfs-client (.ci/run installs them; the packaged glusterd
# service is never used: everything here runs from DIR).
set -euo pipefail

HOSTS=(127.0.0.2 127.0.0.3 127.0.0.4)
VOLUME=flotilla-test
ACTION=${1:-start}
DIR=${2:-${FLOTILLA_GLUSTER_TEST_DIR:-/tmp/flotilla-gluster-test}}
CLI_TIMEOUT=30

log() { echo "gluster-test-env: $*" >&2; }
die() { log "$*"; exit 1; }

node_dir() { echo "$DIR/${1##*.}"; }   # 127.0.0.3 -> DIR/3

# The gluster CLI talking to the glusterd of one host through its own socket.
gcli() {
  local host=$1; shift
  timeout "$CLI_TIMEOUT" gluster --mode=script --glusterd-sock="$(node_dir "$host")/run/glusterd.socket" "$@"
}

print_settings() {
  local IFS=,
  echo "FLOTILLA_GLUSTER_SERVERS=${HOSTS[*]}"
  echo "FLOTILLA_GLUSTER_VOLUME=$VOLUME"
}

volume_answers() {
  [ -S "$(node_dir "${HOSTS[0]}")/run/glusterd.socket" ] && gcli "${HOSTS[0]}" volume status "$VOLUME" >/dev/null 2>&1
}

# Pids of this bed's gluster processes: glusterd, bricks (glusterfsd), self-heal daemon and FUSE
# clients (glusterfs) whose command line names DIR. Processes of other beds or mounts are left alone.
bed_pids() {
  local pid cmd
  for pid in $(pgrep -x 'glusterd|glusterfsd|glusterfs' || true); do
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)
    case "$cmd" in *"$DIR/"*) echo "$pid" ;; esac
  done
}

glusterd_running() {
  local pidfile
  pidfile="$(node_dir "$1")/run/glusterd.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
    && tr '\0' ' ' < "/proc/$(cat "$pidfile")/cmdline" 2>/dev/null | grep -q "$(node_dir "$1")/"
}

start_glusterd() {
  local host=$1 d
  d=$(node_dir "$host")
  mkdir -p "$d/wd" "$d/run" "$d/log" "$d/brick"
  if glusterd_running "$host"; then
    return
  fi
  rm -f "$d/run/glusterd.socket" "$d/run/glusterd.pid"
  # glusterd forks into the background once it listens on HOST:24007 and on its socket.
  glusterd --xlator-option "management.working-directory=$d/wd" \
    --xlator-option "management.transport.socket.bind-address=$host" \
    --xlator-option "management.run-directory=$d/run" \
    --xlator-option "management.glusterd-sockfile=$d/run/glusterd.socket" \
    --pid-file="$d/run/glusterd.pid" --log-file="$d/log/glusterd.log" \
    || die "glusterd on $host did not start; see $d/log/glusterd.log"
  for _ in $(seq 1 100); do
    gcli "$host" peer status >/dev/null 2>&1 && { log "glusterd on $host:24007 (pid $(cat "$d/run/glusterd.pid"))"; return; }
    sleep 0.1
  done
  die "glusterd on $host does not answer on $d/run/glusterd.socket; see $d/log/glusterd.log"
}

bricks_online() {
  # In the XML answer each brick is a <node> whose <path> is followed by <peerid> and <status>
  # (1 = running); the self-heal daemons are nodes too, without a brick path.
  gcli "${HOSTS[0]}" volume status "$VOLUME" --xml 2>/dev/null \
    | grep -A2 "<path>$DIR/.*/brick/" | grep -c '<status>1</status>' || true
}

start() {
  [ "$(id -u)" = 0 ] || die "needs root (glusterd, bricks and FUSE mounts)"
  for tool in glusterd gluster glusterfs; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install glusterfs-server glusterfs-client)"
  done
  if volume_answers; then
    log "volume $VOLUME already answers (dir $DIR)"
    print_settings
    return
  fi
  [ -c /dev/fuse ] || log "warning: /dev/fuse is missing: the volume runs, but cannot be mounted here"
  mkdir -p "$DIR"
  for host in "${HOSTS[@]}"; do
    start_glusterd "$host"
  done
  local first=${HOSTS[0]}
  for host in "${HOSTS[@]:1}"; do
    gcli "$first" peer probe "$host" >/dev/null || die "peer probe $host from $first failed"
  done
  for _ in $(seq 1 100); do
    [ "$(gcli "$first" peer status 2>/dev/null | grep -c 'State: Peer in Cluster (Connected)')" -eq $(( ${#HOSTS[@]} - 1 )) ] && break
    sleep 0.1
  done
  if ! gcli "$first" volume info "$VOLUME" >/dev/null 2>&1; then
    local bricks=()
    for host in "${HOSTS[@]}"; do
      bricks+=("$host:$(node_dir "$host")/brick/$VOLUME")
    done
    # force: the bricks live on the root file system, which gluster refuses without it.
    gcli "$first" volume create "$VOLUME" replica 3 "${bricks[@]}" force >/dev/null \
      || die "volume create $VOLUME failed; see $(node_dir "$first")/log/glusterd.log"
    gcli "$first" volume set "$VOLUME" network.ping-timeout 2 >/dev/null
  fi
  if ! gcli "$first" volume info "$VOLUME" | grep -q '^Status: Started'; then
    gcli "$first" volume start "$VOLUME" >/dev/null || die "volume start $VOLUME failed"
  fi
  for _ in $(seq 1 150); do
    [ "$(bricks_online)" -eq "${#HOSTS[@]}" ] && break
    sleep 0.1
  done
  [ "$(bricks_online)" -eq "${#HOSTS[@]}" ] \
    || die "not every brick of $VOLUME is online: $(gcli "$first" volume status "$VOLUME" 2>&1)"
  log "volume $VOLUME started (replica ${#HOSTS[@]}, bricks under $DIR/*/brick)"
  print_settings
}

status() {
  if volume_answers; then
    gcli "${HOSTS[0]}" volume status "$VOLUME" >&2
    print_settings
  else
    log "volume $VOLUME does not answer (dir $DIR)"
    exit 1
  fi
}

stop() {
  # FUSE mounts of the bed first (a mount whose servers are gone hangs its users for ping-timeout).
  local mountpoint
  while read -r _ mountpoint fstype _; do
    case "$fstype:$mountpoint" in
      fuse.glusterfs:"$DIR"/*) umount -l "$mountpoint" 2>/dev/null && log "unmounted $mountpoint" ;;
    esac
  done < /proc/mounts
  local pids
  pids=$(bed_pids)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    log "killed $(echo $pids | wc -w) gluster processes of $DIR"
  fi
  rm -f "$DIR"/*/run/glusterd.socket "$DIR"/*/run/glusterd.pid
  # Mounts elsewhere (agents' data dirs) are their owners' to unmount; name them so nobody wonders.
  local others
  others=$(awk -v vol=":/$VOLUME" '$3 == "fuse.glusterfs" && index($1, vol) { print $2 }' /proc/mounts || true)
  [ -z "$others" ] || log "still mounted from $VOLUME (not under $DIR, left alone): $others"
}

case "$ACTION" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  purge) stop; rm -rf "$DIR"; log "removed $DIR" ;;
  *) die "usage: $0 start|status|stop|purge [DIR]" ;;
esac
