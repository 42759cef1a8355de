# Sourced by ./flotilla: client commands served by a resident JVM (io.flotilla.cli.daemon.CliDaemon),
# as Gradle's daemon serves builds. A command run as its own JVM spends nearly all of its time
# starting the JVM, loading classes and making a TLS connection; the daemon has them ready, so
# `flotilla service ls` answers in milliseconds. The first eligible command in a directory runs as
# its own JVM and starts a daemon in the background; the next ones are sent to it.
#
# One daemon per working directory and environment (the file's name is a checksum of $PWD, the
# distribution and every exported variable but SHLVL and OLDPWD), so a command sees exactly what
# it would see as its own process. Its state file ($XDG_RUNTIME_DIR/flotilla-cli or
# ~/.flotilla/cli-daemon, owner-only) holds its loopback port and a random token; it exits after
# FLOTILLA_CLI_DAEMON_IDLE seconds idle (default 900), or when a jar of the distribution changes.
# Only commands that neither read stdin nor change process-wide state are sent (see
# cli_daemon_eligible); FLOTILLA_CLI_DAEMON=0 turns it off. Log: the state file's name + .log.

cli_daemon_eligible() { # ARGS...: true when the command may run in the daemon
  [ "${FLOTILLA_CLI_DAEMON:-1}" != 0 ] || return 1
  case "${1:-} ${2:-}" in
    "--version "|"-V ") [ "$#" -eq 1 ] || return 1 ;;
    "service ls"|"service list"|"service ps"|"service inspect"|"service scale"|"service update"|"service rollback") ;;
    "stack deploy"|"stack up"|"stack build"|"stack config"|"stack ls"|"stack list"|"stack services"|"stack ps") ;;
    "stack rm"|"stack remove"|"stack down") ;;
    "node ls"|"node list"|"node update"|"node promote"|"node demote"|"node rm"|"node remove") ;;
    "network ls"|"network list"|"network inspect"|"network create"|"network rm"|"network remove") ;;
    "volume ls"|"volume list"|"volume inspect"|"volume rm"|"volume remove") ;;
    "secret ls"|"secret list"|"secret inspect"|"secret rm"|"secret remove") ;;
    "config ls"|"config list"|"config inspect"|"config rm"|"config remove") ;;
    *) return 1 ;;
  esac
  local arg
  for arg in "$@"; do
    case "$arg" in
      --tls-dir|--tls-dir=*|-) return 1 ;; # a process-wide setting; standard input
    esac
  done
}

cli_daemon_dir() {
  if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ]; then
    echo "$XDG_RUNTIME_DIR/flotilla-cli"
  else
    echo "${HOME:-/tmp}/.flotilla/cli-daemon"
  fi
}

# cli_daemon_run JAVA LIB CLASS_PATH ARGS...: exits with the command's status when a daemon ran
# it; returns (for the launcher to run the command itself) when the command is not eligible or no
# daemon answered, after starting one.
cli_daemon_run() {
  local java="$1" lib="$2" class_path="$3"
  shift 3
  cli_daemon_eligible "$@" || return 0
  local dir key file port token pid kind length got=0
  dir="$(cli_daemon_dir)"
  key="$( { printf '%s\0%s\0' "$PWD" "$lib"; env -0 -u SHLVL -u OLDPWD | sort -z; } | cksum)"
  file="$dir/${key%% *}"
  if [ -s "$file" ] && cli_cache_fresh "$file" "$lib" && read -r port token pid <"$file" 2>/dev/null \
      && { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then # braces: exec would keep 2>/dev/null
    printf '%s\n%s\n' "$token" "$#" >&3
    [ "$#" -eq 0 ] || printf '%s\0' "$@" >&3
    while IFS=' ' read -r kind length <&3; do
      case "$kind" in
        O) head -c "$length" <&3 || break; got=1 ;;
        E) head -c "$length" <&3 >&2 || break; got=1 ;;
        X) exec 3>&-; exit "$length" ;;
        *) break ;; # S: stale, the daemon is leaving
      esac
    done
    exec 3>&-
    if [ "$got" = 1 ]; then
      echo "flotilla: the CLI daemon (pid $pid) went away in the middle of the command; see $file.log" >&2
      exit 1
    fi
  fi
  cli_daemon_start "$java" "$lib" "$class_path" "$dir" "$file"
}

cli_daemon_start() { # JAVA LIB CLASS_PATH DIR FILE: in the background, one at a time
  local java="$1" lib="$2" class_path="$3" dir="$4" file="$5"
  mkdir -p -m 700 "$dir" 2>/dev/null && [ -O "$dir" ] || return 0
  # a mark left by a start that died (the daemon removes it once it listens) expires after a minute
  find "$file.starting" -mmin +1 -delete 2>/dev/null || true
  ( set -o noclobber; : >"$file.starting" ) 2>/dev/null || return 0
  local opts="${FLOTILLA_CLI_DAEMON_JAVA_OPTS:--XX:+UseSerialGC -Xmx512m -XX:-UsePerfData}"
  opts="$opts --enable-native-access=ALL-UNNAMED"
  if [ "$(java_major "$java")" -ge 23 ] 2>/dev/null; then
    opts="$opts --sun-misc-unsafe-memory-access=allow"
  fi
  # its own session (no terminal's signals), no descriptor of this shell (a caller reading our
  # output to its end must not wait for the daemon)
  # shellcheck disable=SC2086
  ( setsid "$java" $opts -cp "$class_path" io.flotilla.cli.daemon.CliDaemon "$file" "$lib" >>"$file.log" 2>&1
    rm -f "$file.starting" ) </dev/null >/dev/null 2>&1 3>&- &
}
