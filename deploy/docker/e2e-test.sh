#!/usr/bin/env bash
# All four services from the image, each in its own read-only container (host network), sharing blobs through an
# S3 endpoint and Kafka/PostgreSQL from `prism infra`: a frame goes in through ingest, the worker infers it, and
# results-api serves the result, whose SHA-256 is checked against its reference.
#
#   ./prism infra --kafka-port 19092 --pg-port 15432 &
#   PRISM_E2E_S3=http://127.0.0.1:9000 PRISM_E2E_S3_KEY=… PRISM_E2E_S3_SECRET=… \
#   PRISM_E2E_MODELS=/path/with/albedo-v1+mask-v1 PRISM_E2E_FRAME=/path/to/frame.exr deploy/docker/e2e-test.sh prism:0.1.0
set -uo pipefail
img=${1:?image}
engine=${CONTAINER_ENGINE:-docker}
token=e2e-token-$RANDOM$RANDOM
frame=${PRISM_E2E_FRAME:?an EXR beauty frame}
common=(--network host --read-only --tmpfs /tmp
  -e PRISM_KAFKA_BOOTSTRAP=${PRISM_E2E_KAFKA:-127.0.0.1:19092}
  -e PRISM_JDBC_URL=${PRISM_E2E_JDBC:-jdbc:postgresql://127.0.0.1:15432/prism}
  -e PRISM_DB_USER=${PRISM_DB_USER:-postgres} -e PRISM_DB_PASSWORD=${PRISM_DB_PASSWORD:-postgres}
  -e PRISM_BLOB_STORE=s3 -e PRISM_S3_ENDPOINT=${PRISM_E2E_S3:?S3 endpoint} -e PRISM_S3_BUCKET=prism-e2e
  -e PRISM_S3_CREATE_BUCKET=true -e PRISM_S3_ACCESS_KEY=${PRISM_E2E_S3_KEY:?} -e PRISM_S3_SECRET_KEY=${PRISM_E2E_S3_SECRET:?}
  -e PRISM_TOKENS=e2e:$token:submit+read+admin)
services=(ingest-service gpu-worker trainer-service results-api)
declare -A port=([ingest-service]=8081 [gpu-worker]=8084 [results-api]=8082 [trainer-service]=8083)
cleanup() { for s in "${services[@]}"; do "$engine" rm -f "e2e-$s" >/dev/null 2>&1; done; }
trap cleanup EXIT
cleanup
for s in "${services[@]}"; do
  "$engine" run -d --name "e2e-$s" "${common[@]}" -v "e2e-$s-data:/var/lib/prism" -v "e2e-$s-cache:/var/cache/prism" \
    -v "${PRISM_E2E_MODELS:?checkpoints folder}:/opt/prism/models:ro" "$img" serve "$s" >/dev/null
done
for s in "${services[@]}"; do
  for _ in $(seq 1 90); do curl -fsS "http://127.0.0.1:${port[$s]}/health/ready" >/dev/null 2>&1 && break; sleep 2; done
  echo "$s: $(curl -s "http://127.0.0.1:${port[$s]}/health/ready") uid $("$engine" exec "e2e-$s" id -u)"
done
job=e2e-$(date +%s)
"$engine" run --rm --network host -v "$frame:/frame.exr:ro" "$img" publish --server=http://127.0.0.1:8081 \
  --token="$token" --upload --path=/frame.exr --job="$job" --show=e2e --shot=sh010 --frame=1 2>&1 | grep -i 'accepted\|error'
api=http://127.0.0.1:8082/api/v1
for _ in $(seq 1 90); do
  frames=$(curl -s -H "Authorization: Bearer $token" "$api/jobs/$job/frames")
  echo "$frames" | grep -q '"status":"processed"' && break; sleep 2
done
python3 - "$frames" "$token" "$api" <<'PY'
import json, sys, hashlib, urllib.request
frames, token, api = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
f = frames["items"][0]
print("frame", f["id"], f["status"], "results:", [(r["task"], r["modelVersion"]) for r in f["results"]])
ok = f["status"] == "processed" and f["results"]
for r in f["results"]:
    req = urllib.request.Request(api.rsplit("/api/v1", 1)[0] + r["image"]["href"], headers={"Authorization": "Bearer " + token})
    body = urllib.request.urlopen(req).read()
    good = hashlib.sha256(body).hexdigest() == r["image"]["sha256"]
    print(f"  {r['task']}: {len(body)} bytes from results-api, sha256 {'matches' if good else 'DIFFERS'}")
    ok = ok and good
sys.exit(0 if ok else 1)
PY
status=$?
models=$(curl -s -H "Authorization: Bearer $token" http://127.0.0.1:8083/admin/models/albedo)
echo "trainer admin /admin/models/albedo: $models" | cut -c1-300
exit $status
