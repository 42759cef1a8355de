#!/bin/sh
# The ledger demo app (`flotilla demo-app ledger`) for busybox sh, for a container without a JVM
# (flotilla-test/busybox:1). Same behaviour: appends "<n> <task id> <time>" to
# $LEDGER_DIR/ledger.log every $LEDGER_INTERVAL_MS ms and fsyncs it, continuing after the file's
# last number; before every append it checks that the file still ends with its own last line
# (at start: takes the file as it is) and exits 75 if another writer appended or took it over.
# GET / on $PORT answers the last number, GET /health 200 (busybox httpd serving two files).
# With $FLOTILLA_LEASE_FILE (Flotilla sets it for a fenced task) it also checks the node's lease
# right before every append (after its other checks, with a clock the shell reads itself from
# /proc/uptime), against the deadline it read before its sleep, and exits 75 once it has passed: the
# guard for a whole node frozen and woken at once. A copy frozen between that read and its append
# would still append once on waking, but not to the ledger: every copy takes the file over when it
# starts (the file renamed aside, a copy put in its place), so an older copy's open file is no
# longer the ledger; it stops at its next check. busybox date has whole seconds only, so it counts a lease as expired one second
# early.
# Usage: docker run -v shop_data-1:/data -e PORT=8080 flotilla-test/busybox:1 sh -c "$(flotilla demo-app ledger --print-script)"
dir=${LEDGER_DIR:-/data}
port=${PORT:-8080}
interval_ms=${LEDGER_INTERVAL_MS:-100}
me=${FLOTILLA_TASK_ID:-pid-$$}
file=$dir/ledger.log

say() { echo "ledger: $*"; }
fail() { echo "ledger: $*" >&2; exit 1; }
case $port in ''|*[!0-9]*) fail "PORT must be a number, got '$port'";; esac
case $interval_ms in ''|*[!0-9]*|0) fail "LEDGER_INTERVAL_MS must be a positive number, got '$interval_ms'";; esac
[ -d "$dir" ] || fail "ledger directory $dir does not exist: mount the volume there, or set LEDGER_DIR"
case $me in *[!A-Za-z0-9._-]*) fail "FLOTILLA_TASK_ID must be one word of letters, digits, '.', '_' or '-', got '$me'";; esac

# Take the ledger over: rename it aside, copy it to a hidden file, check and open the copy, then
# rename the copy into its place. The first rename is the storage's own fence: a copy that opened
# the file before (frozen between its lease check and its write, woken after this one started; or a
# write queued in a frozen GlusterFS client) holds the file renamed aside, so its late write never
# reaches the ledger, and its next check sees the file taken over. Aside rather than replaced:
# GlusterFS can hold a rename over a file until a frozen client writing it wakes up.
aside=$dir/.ledger.log.replaced
fresh=$dir/.ledger.log.$me.new
moved=
if [ -e "$file" ]; then mv -f "$file" "$aside" || fail "cannot move $file aside to $aside"; moved=1
elif [ -e "$aside" ]; then say "$file is missing: continuing from $aside (a takeover that stopped between its two renames)"; fi
# Puts a refused file back as it was.
put_back() { rm -f "$fresh"; if [ -n "$moved" ] && [ ! -e "$file" ]; then mv -f "$aside" "$file"; fi; }
if [ -e "$aside" ]; then cp "$aside" "$fresh" || { put_back; fail "cannot copy $aside to $fresh"; }
else : > "$fresh" || fail "cannot write $fresh"; fi
# Take the file as it is; cut a torn last line (a crash in the middle of a write) off first.
if [ -s "$fresh" ] && [ -n "$(tail -c 1 "$fresh")" ]; then
  keep=$(( $(wc -c < "$fresh") - $(tail -n 1 "$fresh" | wc -c) ))
  say "cutting a torn last line off $file"
  truncate -s "$keep" "$fresh"
fi
last=$(tail -n 1 "$fresh")
n=${last%% *}
[ -n "$last" ] || n=0
case $n in ''|*[!0-9]*) put_back; fail "the last line of $file is not a ledger line ('<n> <task> <time>'): '$last'; move the file away or fix it";; esac
size=$(( $(wc -c < "$fresh") ))
# The file stays open for appending (fd 4), so that an append is one write(2) right after the lease
# check: opening it there, on a FUSE mount (GlusterFS), put a slow open() inside the window in which
# a copy frozen after its check still writes once on waking (a CI run caught one, 2026-12-06).
exec 4>>"$fresh" || { put_back; fail "cannot open $fresh for appending"; }
sync "$fresh" && mv -f "$fresh" "$file" || { put_back; fail "cannot put $fresh in place of $file"; }
sync "$dir" 2>/dev/null

www=$(mktemp -d /tmp/ledger-www.XXXXXX) || fail "cannot create a directory under /tmp"
echo "$n" > "$www/index.html"
echo ok > "$www/health"
httpd -f -p "$port" -h "$www" &
httpd_pid=$!
finish() { kill "$httpd_pid" 2>/dev/null; wait "$httpd_pid" 2>/dev/null; rm -rf "$www"; }
trap 'say "stopping at $n"; finish; exit 0' TERM INT
say "$me writing $file from $((n + 1)) every $interval_ms ms; listening on port $port"

interval_s=$(printf '%d.%03d' $((interval_ms / 1000)) $((interval_ms % 1000)))
mkfifo "$www/tick" && exec 3<>"$www/tick" || fail "cannot create a FIFO in $www"
lease_file=${FLOTILLA_LEASE_FILE:-}
# (read fails at a last line without a newline, as the agent writes it, but still sets the variable)
read_lease() { lease=; [ -z "$lease_file" ] || read -r lease < "$lease_file" 2>/dev/null; case $lease in ''|*[!0-9]*) lease=0;; esac; }
# Sets now_ms to the milliseconds since boot, read by the shell itself — no child process, not even
# a $(...) subshell: "12345.67 ..." -> 12345670.
uptime_ms() { read -r up _ < /proc/uptime; now_ms=$(( ${up%.*}${up#*.} * 10 )); }
# Wall clock = uptime + offset. The uptime first, then the (whole-second) date: a delay between them
# makes the clock run ahead (leases look expired early: safe); date's lost fraction (< 1 s) is the
# second added to every check.
uptime_ms
clock_offset_ms=$(( $(date +%s) * 1000 - now_ms ))
# Exits 75 if the lease read before the last sleep has passed (by the shell's own clock).
stop_if_lease_expired() {
  [ -n "$lease_file" ] || return 0
  uptime_ms
  if [ $(( now_ms + clock_offset_ms + 1000 )) -gt "$lease" ]; then
    echo "ledger: this node's lease with the managers expired (deadline $lease ms, $lease_file): another copy may run now; stopping this one without writing. Exiting 75." >&2
    finish
    exit 75
  fi
}
read_lease
while :; do
  # The sleep is ash's own `read -t` on a FIFO nobody writes: no child process to wait for (busybox
  # ash could hang for good waiting for a child that ended while the shell was stopped, SIGSTOP /
  # a frozen node), and a TERM interrupts it at once.
  read -t "$interval_s" _ <&3
  if ! [ "$file" -ef "/proc/$$/fd/4" ]; then
    # A newer copy took the ledger over: fenced in time if this copy's lease has passed meanwhile.
    stop_if_lease_expired
    echo "ledger: another writer took $file over: the file in its place is not the one this copy opened (or is missing), so nothing this copy writes reaches the ledger. Two copies of this slot are writing: stopping this one. Exiting 75." >&2
    finish
    exit 75
  fi
  actual=$(tail -n 1 "$file")
  actual_size=$(( $(wc -c < "$file") ))
  if [ "$actual" != "$last" ] || [ "$actual_size" -ne "$size" ]; then
    # (a copy frozen after the check above and woken after a takeover reads the newer copy's file)
    stop_if_lease_expired
    echo "ledger: another writer changed $file: it ends with '$actual', not with this task's '$last' ($actual_size bytes, expected $size). Two copies of this slot are writing: stopping this one. Exiting 75." >&2
    finish
    exit 75
  fi
  n=$((n + 1))
  line="$n $me $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  # The lease is checked last, right before the append, with a clock the shell reads itself
  # (/proc/uptime + the offset taken at start): a `date` child reads the clock in another process,
  # which a freeze may miss (it was forked after the freezer listed the processes) — the shell then
  # woke up to a time from before the freeze, found its lease valid and appended once.
  stop_if_lease_expired
  echo "$line" >&4 || fail "cannot append to $file"
  sync "$file"
  last=$line
  size=$((size + ${#line} + 1))
  echo "$n" > "$www/index.tmp" && mv "$www/index.tmp" "$www/index.html"
  # Never take a renewed lease over one that has expired: a copy frozen before this read would
  # otherwise wake up to a fresh deadline and keep writing.
  stop_if_lease_expired
  read_lease
done
