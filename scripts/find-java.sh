# Sourced by ./flotilla and ./test: find_java prints a java binary of a JDK >= 21, or explains what is missing.
java_major() { # prints the major version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}'
}

find_java() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for d in /usr/lib/jvm/temurin-*-jdk* /usr/lib/jvm/java-*-openjdk* /usr/lib/jvm/*; do
    [ -x "$d/bin/java" ] && candidates+=("$d/bin/java")
  done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  local tried=() c v
  for c in "${candidates[@]}"; do
    v="$(java_major "$c" || true)"
    tried+=("$c (${v:-unknown})")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  echo "flotilla: needs a JDK 21 or newer; found: ${tried[*]:-no java at all}." >&2
  echo "flotilla: install one (e.g. apt-get install openjdk-21-jdk-headless, or Temurin) or set JAVA_HOME." >&2
  return 1
}

