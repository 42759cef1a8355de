#!/usr/bin/env bash
# Fuzzes every parser that faces input (security issue 17) for SECONDS each (default 20):
# Jazzer mutates the corpus kept in src/test/resources/<package>/<TestClass>Inputs/<method>/,
# guided by coverage. A plain ./test only replays that corpus; this is the short real run for CI.
# Exits non-zero on the first finding: Jazzer saves the input as crash-<sha1> in the target's
# corpus folder (keep it there, renamed, once fixed: it becomes a regression input) and the
# stack trace is printed below. Logs: target/fuzz/<target>.log.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   e.g. scripts/fuzz.sh 60 discovery:DnsResponderFuzzTest#answersOrRefuses
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/find-java.sh"
JAVA="$(find_java)"
export JAVA_HOME="$(cd "$(dirname "$JAVA")/.." && pwd)"
cd "$ROOT"

seconds="${1:-20}"
shift || true
# module:Class#method, one fuzz test per Maven run: Jazzer fuzzes a single @FuzzTest at a time.
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(
    compose:ComposeLoaderFuzzTest#loadsOrRefuses
    manager:ApiJsonFuzzTest#requestBodies
    manager:ApiJsonFuzzTest#raftCommands
    discovery:DnsResponderFuzzTest#answersOrRefuses
    mesh:HttpFrontendFuzzTest#servesOrCloses
  )
fi

# What Jazzer instruments for coverage: by default only the test's package; the parsers under
# test live in libraries too (SnakeYAML and Jackson, dnsjava, Netty's codecs).
instrumented() {
  case "$1" in
    compose) echo 'io.flotilla.**,com.fasterxml.jackson.**,org.yaml.snakeyaml.**,com.networknt.**' ;;
    manager) echo 'io.flotilla.**,com.fasterxml.jackson.**' ;;
    discovery) echo 'io.flotilla.**,org.xbill.**' ;;
    mesh) echo 'io.flotilla.**,io.netty.handler.codec.**' ;;
    *) echo 'io.flotilla.**' ;;
  esac
}

mkdir -p target/fuzz
start=$(date +%s)
for target in "${targets[@]}"; do
  module="${target%%:*}"
  test="${target#*:}"
  log="target/fuzz/${test//[#]/-}.log"
  echo "fuzz: $module $test for ${seconds}s (log: $log)"
  # -am builds the modules it needs from source (nothing is installed); their tests are filtered
  # out by -Dtest. The outer timeout is a guard against a hang Jazzer does not stop itself.
  if ! JAZZER_FUZZ=1 timeout $((seconds + 600)) ./mvnw -B -pl "$module" -am test -Dtest="$test" \
      -Djazzer.max_duration="${seconds}s" -Djazzer.instrument="$(instrumented "$module")" >"$log" 2>&1; then
    echo "fuzz: FINDING (or failure) in $module $test:" >&2
    grep -v '^INFO: Instrumented' "$log" | grep -E -A40 '== Java Exception|FuzzTestFinding|BUILD FAILURE|ERROR' | head -120 >&2
    git status --short -- "$module/src/test/resources" >&2 || true
    exit 1
  fi
  grep -E '^(#[0-9]+.*DONE|Done [0-9]+ runs)' "$log" | tail -1 || true
done
echo "fuzz: ${#targets[@]} targets, no finding, $(( $(date +%s) - start ))s"
