#!/usr/bin/env bash
# Runs the Prism image the way Kubernetes does — read-only root file system, user 10001, writable volumes only —
# against a running `prism infra` on this host, and waits for each service's /health/ready.
#
#   ./prism infra --kafka-port 19092 --pg-port 15432 &          # embedded Kafka + PostgreSQL
#   deploy/docker/smoke-test.sh prism:0.1.0 results-api ingest-service
#
# CONTAINER_ENGINE=podman to use podman; PRISM_SMOKE_KAFKA / PRISM_SMOKE_JDBC to point elsewhere;
# PRISM_SMOKE_ARGS adds run options, e.g. "-v $PWD/models:/opt/prism/models:ro" for the gpu-worker's checkpoints.
set -euo pipefail
image=${1:?image}; shift
engine=${CONTAINER_ENGINE:-docker}
kafka=${PRISM_SMOKE_KAFKA:-127.0.0.1:19092}
jdbc=${PRISM_SMOKE_JDBC:-jdbc:postgresql://127.0.0.1:15432/prism}
declare -A port=([ingest-service]=8081 [gpu-worker]=8084 [results-api]=8082 [trainer-service]=8083)
status=0
for service in "$@"; do
  name="prism-smoke-$service"
  "$engine" rm -f "$name" >/dev/null 2>&1 || true
  "$engine" run -d --name "$name" --network host --read-only --tmpfs /tmp \
    -v "$name-data:/var/lib/prism" -v "$name-cache:/var/cache/prism" \
    -e PRISM_KAFKA_BOOTSTRAP="$kafka" -e PRISM_JDBC_URL="$jdbc" \
    -e PRISM_DB_USER="${PRISM_DB_USER:-postgres}" -e PRISM_DB_PASSWORD="${PRISM_DB_PASSWORD:-postgres}" \
    ${PRISM_SMOKE_ARGS:-} "$image" serve "$service" >/dev/null
  url="http://127.0.0.1:${port[$service]}/health/ready"
  ok=""
  for _ in $(seq 1 90); do
    if curl -fsS "$url" >/tmp/"$name".ready 2>/dev/null; then ok=1; break; fi
    sleep 2
  done
  if [ -n "$ok" ]; then
    echo "$service: ready $(cat /tmp/"$name".ready) as uid $("$engine" exec "$name" id -u) on a read-only root"
  else
    echo "$service: NOT ready after 180 s; last log lines:"; "$engine" logs --tail 30 "$name" 2>&1 | sed 's/^/  /'
    status=1
  fi
  "$engine" rm -f "$name" >/dev/null
done
exit $status
