# Sourced by ./flotilla: the class cache of client commands (the JDK's AOT cache on JDK 25+,
# AppCDS before), made from a training run (io.flotilla.cli.CacheTraining) and used by every
# client command after it. Starting the JVM and loading, verifying and linking ~4,000 classes was
# most of what `flotilla service ls` took; from the cache they arrive loaded and linked.
#
# The cache is kept in $FLOTILLA_CLI_CACHE (default: the distribution's cache/ directory beside
# lib/; "off": no cache), one file per JDK (its path and version are in the name). It counts as
# stale when a jar of lib/ (or lib/ itself) is newer: only stat calls, no process. A missing or
# stale cache is never passed to java: the command runs without one, and a new cache is made in
# the background (FLOTILLA_CLI_CACHE_SYNC=1: before the command, in the foreground). A cache that
# java cannot map (corrupt, or made by another JVM build) is ignored silently (-Xlog:…=off), and
# io.flotilla.cli.Main deletes it (-Dflotilla.cli.cache names it), so the next command makes it
# anew. A training that fails leaves a .failed mark: no new attempt until the jars change.
# FLOTILLA_CLI_CACHE_KIND=cds forces AppCDS on JDK 25 too (tests run both kinds).

# cli_cache_options JAVA MAJOR LIB CLASS_PATH JAVA_OPTS...: prints the options that use the
# cache, or nothing; starts making it when it is missing or stale.
cli_cache_options() {
  local java="$1" major="$2" lib="$3" class_path="$4"
  shift 4
  local dir="${FLOTILLA_CLI_CACHE:-${lib%/lib}/cache}"
  [ "$dir" = off ] && return 0
  [ "${major:-0}" -ge 21 ] 2>/dev/null || return 0
  local kind=cds
  if [ "$major" -ge 25 ] && [ "${FLOTILLA_CLI_CACHE_KIND:-}" != cds ]; then kind=aot; fi
  local version
  version="$(java_release_version "$java")"
  local id="${java//[^A-Za-z0-9._-]/_}-${version:-unknown}"
  local cache="$dir/cli-$kind-$id.$kind"
  if ! cli_cache_fresh "$cache" "$lib"; then
    if cli_cache_fresh "$cache.failed" "$lib"; then
      return 0
    fi
    if [ -n "${FLOTILLA_CLI_CACHE_SYNC:-}" ]; then
      cli_cache_make "$kind" "$cache" "$java" "$class_path" "$@" || true
    else
      ( cli_cache_make "$kind" "$cache" "$java" "$class_path" "$@" ) </dev/null >/dev/null 2>&1 &
      return 0
    fi
    cli_cache_fresh "$cache" "$lib" || return 0
  fi
  cli_cache_use_options "$kind" "$cache"
  echo " -Dflotilla.cli.cache=$cache"
}

cli_cache_use_options() { # KIND CACHE
  if [ "$1" = aot ]; then
    echo -n "-XX:AOTCache=$2 -Xlog:aot*=off -Xlog:cds*=off"
  else
    echo -n "-XX:SharedArchiveFile=$2 -Xlog:cds*=off"
  fi
}

cli_cache_fresh() { # FILE LIB: true when FILE exists (a cache: is not empty) and nothing in LIB is newer
  local cache="$1" lib="$2" jar
  case "$cache" in
    *.failed) [ -f "$cache" ] || return 1 ;;
    *) [ -s "$cache" ] || return 1 ;;
  esac
  [ "$lib" -nt "$cache" ] && return 1
  for jar in "$lib"/*.jar; do
    [ "$jar" -nt "$cache" ] && return 1
  done
  return 0
}

# cli_cache_make KIND CACHE JAVA CLASS_PATH JAVA_OPTS...: one training at a time (a lock
# directory; one older than 10 minutes is taken over), written beside the cache, checked with
# the cache required (-XX:AOTMode=on / -Xshare:on), then moved into place.
cli_cache_make() {
  local kind="$1" cache="$2" java="$3" class_path="$4"
  shift 4
  local dir="${cache%/*}"
  mkdir -p "$dir" 2>/dev/null || return 1
  local lock="$dir/.training"
  if ! mkdir "$lock" 2>/dev/null; then
    [ -n "$(find "$lock" -maxdepth 0 -mmin +10 2>/dev/null)" ] || return 1
    rm -rf "$lock"
    mkdir "$lock" 2>/dev/null || return 1
  fi
  local tmp="$lock/cli.$kind" log="$dir/training.log" nice=()
  command -v nice >/dev/null 2>&1 && [ -z "${FLOTILLA_CLI_CACHE_SYNC:-}" ] && nice=(nice -n 10)
  local record check
  if [ "$kind" = aot ]; then
    record=(-XX:AOTCacheOutput="$tmp" -XX:-AOTClassLinking)
    check=(-XX:AOTCache="$tmp" -XX:AOTMode=on)
  else
    record=(-XX:ArchiveClassesAtExit="$tmp")
    check=(-XX:SharedArchiveFile="$tmp" -Xshare:on)
  fi
  local ok=1
  {
    echo "training the CLI's class cache ($kind) with $java at $(date)"
    # shellcheck disable=SC2068
    "${nice[@]}" "$java" $@ "${record[@]}" -cp "$class_path" io.flotilla.cli.CacheTraining \
      && "$java" $@ "${check[@]}" -cp "$class_path" io.flotilla.cli.Main --version \
      && mv -f "$tmp" "$cache" && rm -f "$cache.failed" && ok=0
  } >"$log" 2>&1
  if [ "$ok" != 0 ]; then
    : > "$cache.failed"
  fi
  rm -rf "$lock"
  return "$ok"
}
