#!/usr/bin/env bash
# Prepares what the Docker driver's tests need on a machine whose Docker daemon answers, offline:
#   - the image flotilla-test/busybox:1, built from the host's busybox-static (docker import);
#   - a registry on 127.0.0.1:5000 (Debian's docker-registry, storage under a temp dir) holding
#     127.0.0.1:5000/flotilla-test/busybox:1, for pull tests.
# Idempotent: builds the image only if missing, starts the registry only if nothing answers.
# Needs: docker (CLI + daemon), busybox (static), docker-registry. .ci/run installs them.
set -euo pipefail

IMAGE=flotilla-test/busybox:1
REGISTRY=127.0.0.1:5000
STATE_DIR=${FLOTILLA_DOCKER_TEST_DIR:-${TMPDIR:-/tmp}/flotilla-docker-test}

docker info >/dev/null 2>&1 || { echo "docker-test-env: no Docker daemon answers (docker info failed)" >&2; exit 1; }

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  busybox=$(command -v busybox || true)
  # The image has no libc: only a statically linked busybox runs in it (ldd says so; file may be absent).
  if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
    [ -x /bin/busybox ] && busybox=/bin/busybox
  fi
  [ -n "$busybox" ] || { echo "docker-test-env: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs"/bin "$rootfs"/tmp "$rootfs"/www "$rootfs"/etc "$rootfs"/root
  cp "$busybox" "$rootfs"/bin/busybox
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  chmod 1777 "$rootfs"/tmp
  echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs"/etc/passwd
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$rootfs"/etc/passwd
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs"/etc/group
  echo 'flotilla test page' > "$rootfs"/www/index.html
  tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' -c 'WORKDIR /' -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  echo "docker-test-env: built $IMAGE"
fi

if ! curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
  command -v docker-registry >/dev/null || { echo "docker-test-env: docker-registry not found (apt-get install docker-registry)" >&2; exit 1; }
  mkdir -p "$STATE_DIR/storage"
  cat > "$STATE_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/storage
http:
  addr: $REGISTRY
EOF
  setsid docker-registry serve "$STATE_DIR/registry.yml" >"$STATE_DIR/registry.log" 2>&1 < /dev/null &
  echo $! > "$STATE_DIR/registry.pid"
  for _ in $(seq 1 50); do
    curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://$REGISTRY/v2/" >/dev/null || { echo "docker-test-env: registry did not start, see $STATE_DIR/registry.log" >&2; exit 1; }
  echo "docker-test-env: registry on $REGISTRY (pid $(cat "$STATE_DIR/registry.pid"), storage $STATE_DIR/storage)"
fi

# 127.0.0.0/8 registries are insecure (plain HTTP) by default for the daemon, so a push just works.
if ! curl -fsS "http://$REGISTRY/v2/flotilla-test/busybox/manifests/1" -o /dev/null \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' 2>/dev/null; then
  docker tag "$IMAGE" "$REGISTRY/$IMAGE"
  docker push "$REGISTRY/$IMAGE" >/dev/null
  docker rmi "$REGISTRY/$IMAGE" >/dev/null
  echo "docker-test-env: pushed $REGISTRY/$IMAGE"
fi
