#!/usr/bin/env bash
# Keeps the previous release for the upgrade test (bench RollingUpgradeTest): builds COMMIT in a
# temporary git worktree and copies Flotilla's own jars of its distribution to
# bench/fixtures/previous-release/lib, the names of its third-party jars to dependencies.txt (the
# test takes those from the build's class path and fails, naming them, if one is gone), and the
# commit to RELEASE. Run it with the last released commit each time a release lands.
#   scripts/previous-release.sh COMMIT [DESCRIPTION]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
commit="${1:?usage: scripts/previous-release.sh COMMIT [DESCRIPTION]}"
description="${2:-}"
. "$ROOT/scripts/find-java.sh"
JAVA="$(find_java)"
export JAVA_HOME="$(cd "$(dirname "$JAVA")/.." && pwd)"
full="$(git -C "$ROOT" rev-parse --verify "$commit^{commit}")"
work="$(mktemp -d /tmp/flotilla-previous-release.XXXXXX)"
trap 'git -C "$ROOT" worktree remove --force "$work" >/dev/null 2>&1 || rm -rf "$work"' EXIT
git -C "$ROOT" worktree add --detach "$work" "$full" >/dev/null
(cd "$work" && ./mvnw -q -B package -DskipTests -Djazzer.skip=true)
fixture="$ROOT/bench/fixtures/previous-release"
rm -rf "$fixture/lib"
mkdir -p "$fixture/lib"
cp "$work"/cli/target/flotilla/lib/flotilla-*.jar "$fixture/lib/"
(cd "$work/cli/target/flotilla/lib" && ls | grep -v '^flotilla-' | sort) > "$fixture/dependencies.txt"
{
  echo "$full"
  git -C "$ROOT" log -1 --format='%cd %s' --date=iso-strict "$full"
  [ -z "$description" ] || echo "$description"
} > "$fixture/RELEASE"
echo "previous release $full: $(ls "$fixture/lib" | wc -l) jars ($(du -sh "$fixture/lib" | cut -f1)), $(wc -l < "$fixture/dependencies.txt") dependencies"
