# Sourced by ./flotilla and ./test: find_java prints a java binary of a JDK >= 21, or explains what is missing.
#
# Every CLI command runs this, so it reads the JDK's `release` file (JAVA_VERSION="25.0.3") with
# bash builtins instead of starting a JVM to ask (that cost ~100 ms a command); only a java
# without a readable release file next to it is asked.
java_release_version() { # prints JAVA_VERSION from the release file of the JDK of java binary $1, or nothing
  local home line
  home="${1%/bin/java}"
  [ "$home" != "$1" ] && [ -r "$home/release" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      JAVA_VERSION=*) line="${line#JAVA_VERSION=}"; line="${line//\"/}"; echo "$line"; return 0 ;;
    esac
  done < "$home/release"
}

java_major() { # prints the major version of the java binary $1, or nothing
  local v
  v="$(java_release_version "$1")"
  if [ -z "$v" ]; then
    v="$("$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}')"
  fi
  v="${v%%.*}"
  [ "$v" = 1 ] && v=8 # 1.8.0_x
  echo "$v"
}

find_java() {
  local candidates=() v
  # JAVA_HOME first, and alone when it fits: the rest of the search forks (command -v, readlink)
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v="$(java_release_version "$JAVA_HOME/bin/java")"
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null; then
      echo "$JAVA_HOME/bin/java"; return 0
    fi
  fi
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for d in /usr/lib/jvm/temurin-*-jdk* /usr/lib/jvm/java-*-openjdk* /usr/lib/jvm/*; do
    [ -x "$d/bin/java" ] && candidates+=("$d/bin/java")
  done
  if command -v java >/dev/null 2>&1; then
    local path_java
    path_java="$(command -v java)"
    # /usr/bin/java is a chain of links; its JDK (and release file) is where it ends
    candidates+=("$(readlink -f "$path_java" 2>/dev/null || echo "$path_java")")
  fi
  local tried=() c
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || { tried+=("$c (absent)"); continue; }
    v="$(java_major "$c" || true)"
    tried+=("$c (${v:-unknown})")
    if [ -n "$v" ] && [ "$v" -ge 21 ] 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  echo "flotilla: needs a JDK 21 or newer; found: ${tried[*]:-no java at all}." >&2
  echo "flotilla: install one (e.g. apt-get install openjdk-21-jdk-headless, or Temurin) or set JAVA_HOME." >&2
  return 1
}
