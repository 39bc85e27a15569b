#!/bin/sh
# Build the image, start it on a free local port, and wait until /readyz answers and the
# container reports "healthy"; then stop it. For a machine with a container engine (the
# development and CI machines have none): run it once per release in staging.
# Usage: deploy/smoke-test.sh [IMAGE]       (default taskmaster:smoke; needs docker)
set -eu
image=${1:-taskmaster:smoke}
port=${PORT:-12402}
cd "$(dirname "$0")/.."
docker build -t "$image" .
name="taskmaster-smoke-$$"
docker run -d --name "$name" -p "127.0.0.1:$port:2402" \
    -e TASKMASTER_ADMIN_PASSWORD=smoke-test-password -e TASKMASTER_WORKERS=1 "$image" >/dev/null
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
i=0
until [ "$(docker inspect -f '{{.State.Health.Status}}' "$name")" = healthy ]; do
    i=$((i + 1))
    if [ "$i" -gt 60 ] || [ "$(docker inspect -f '{{.State.Running}}' "$name")" != true ]; then
        docker logs "$name" >&2
        echo "smoke test: the container did not become healthy" >&2
        exit 1
    fi
    sleep 2
done
python3 -c "import json, urllib.request; \
r = json.load(urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=5)); \
assert r['status'] == 'ok', r; print('readyz:', r)"
# doctor fails its TLS check (plain HTTP on 0.0.0.0 in the container): look at the rest.
docker exec "$name" taskmaster doctor --json | python3 -c "import json, sys; \
c = {x['check']: x for x in json.load(sys.stdin)}; print(c['engines']['detail']); \
assert c['database']['ok'] and c['engines']['ok'] and c['data']['ok'], c"
docker exec "$name" id -u | grep -qx 10001
echo "smoke test: $image is healthy, answers /readyz and runs as uid 10001"
