#!/usr/bin/env bash
# The container image's end-to-end check (docs/operations.md "Container image"), kept out of `npm test`:
#   1. builds the local base image when it is absent (scripts/base-image.sh: debootstrap + this
#      machine's Node.js), then the provisio image from the Dockerfile on it;
#   2. starts the Zendesk and Entra emulators on this machine's loopback;
#   3. runs the image (`serve`, SQLite on a tmpfs, host network: loopback only) and waits for
#      /readyz and for Docker's own health check to say healthy;
#   4. creates a job against the emulators through the admin API with an API token made inside the
#      container (`provisio tokens create`), starts it, and waits for one provisioning cycle to
#      succeed with the users it created present in the Zendesk emulator.
# Every wait is bounded and the whole run fails after PROVISIO_CI_IMAGE_TIMEOUT seconds (1800: a
# cold run, base image included, takes 6 to 13 minutes on 2 cores; a warm one, about 30 s). The
# container and the emulators are removed on exit, whatever happened. Exits non-zero on any failure.
#
# Needs: a running Docker engine with BuildKit (docker buildx, or a client that builds with
# DOCKER_BUILDKIT=1, e.g. Debian's docker.io), debootstrap (first run only), curl, and the repository
# built on the host (npm install) for the emulators.
#
# Environment: PROVISIO_IMAGE (provisio:ci), NODE_IMAGE (provisio-base:local: built when absent and
# named so; any other value must exist or be pullable), PROVISIO_CI_IMAGE_TIMEOUT (1800),
# BUILD_CA_FILE (the CA bundle npm trusts during the build: /etc/ssl/certs/ca-certificates.crt when it
# exists), HTTP_PROXY/HTTPS_PROXY/NO_PROXY (passed to the build when set).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${PROVISIO_IMAGE:-provisio:ci}"
BASE="${NODE_IMAGE:-provisio-base:local}"
LIMIT="${PROVISIO_CI_IMAGE_TIMEOUT:-1800}"
CA_FILE="${BUILD_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}"
ZENDESK_SP_NAME='Zendesk' # the Entra emulator's enterprise application (docs/emulators.md)

started=$SECONDS
work="$(mktemp -d /tmp/provisio-ci-image.XXXXXX)"
container="provisio-ci-image-$$"
pids=()

log() { printf 'ci-image [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  log "FAILED: $*" >&2
  exit 1
}
remaining() { # seconds left of the run's time limit (at least 1: `timeout` then stops the step)
  local left=$((LIMIT - (SECONDS - started)))
  echo $((left > 0 ? left : 1))
}
# Fails when the step's own deadline (a SECONDS value) or the run's time limit has passed.
within() { # deadline what-did-not-happen
  [ $((SECONDS - started)) -lt "$LIMIT" ] || fail "$2: over the run's ${LIMIT}s time limit"
  [ "$SECONDS" -lt "$1" ] || fail "$2"
}

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -n "${docker_cmd:-}" ] && "${docker_cmd[@]}" inspect "$container" >/dev/null 2>&1; then
    echo "--- provisio container log (last 40 lines) ---" >&2
    "${docker_cmd[@]}" logs --tail 40 "$container" >&2 2>&1 || true
  fi
  if [ -n "${docker_cmd:-}" ]; then "${docker_cmd[@]}" rm -f -v "$container" >/dev/null 2>&1 || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# A Docker client that builds with BuildKit (the Dockerfile's secret mount needs it): buildx when
# installed, else a client with BuildKit built in (Debian's docker.io 20.10) under DOCKER_BUILDKIT=1.
docker_cmd=(docker)
if docker buildx version >/dev/null 2>&1; then
  build_cmd=(docker buildx build --load)
else
  build_cmd=()
  for candidate in docker /usr/bin/docker; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      DOCKER_BUILDKIT=1 "$candidate" build --help 2>/dev/null | grep -q -- '--secret'; then
      build_cmd=(env DOCKER_BUILDKIT=1 "$candidate" build)
      docker_cmd=("$candidate")
      break
    fi
  done
  [ "${#build_cmd[@]}" -gt 0 ] || fail "no Docker client builds with BuildKit here: install docker-buildx, or Debian's docker.io"
fi
"${docker_cmd[@]}" info >/dev/null 2>&1 || fail "no Docker engine answers (${docker_cmd[*]} info): start dockerd"
for tool in curl node; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
[ -f packages/cli/dist/main.js ] || fail "packages/cli/dist/main.js is missing: run npm install (it builds) first"

# 1. The images.
if ! "${docker_cmd[@]}" image inspect "$BASE" >/dev/null 2>&1; then
  [ "$BASE" = "provisio-base:local" ] || log "$BASE is not here: the build will try to pull it"
  if [ "$BASE" = "provisio-base:local" ]; then
    log "building the base image $BASE (debootstrap, once per machine)"
    DOCKER="${docker_cmd[0]}" timeout "$(remaining)" scripts/base-image.sh "$BASE" || fail "the base image did not build"
  fi
fi
build_args=(--network host --build-arg "NODE_IMAGE=$BASE" -t "$IMAGE")
[ -f "$CA_FILE" ] && build_args+=(--secret "id=ca,src=$CA_FILE")
for var in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  [ -n "${!var:-}" ] && build_args+=(--build-arg "$var")
done
log "building $IMAGE on $BASE (${build_cmd[*]})"
if ! timeout "$(remaining)" "${build_cmd[@]}" "${build_args[@]}" . >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  fail "docker build"
fi
log "built $IMAGE ($("${docker_cmd[@]}" image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}'))"
user="$("${docker_cmd[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")"
case "$user" in "" | 0 | 0:* | root | root:*) fail "the image runs as root (USER '$user')" ;; esac
log "the image runs as user $user"

# 2. The emulators, on loopback, on free ports; their first lines say where they listen.
wait_for_line() { # file pattern what
  local deadline=$((SECONDS + 30))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { cat "$1" >&2; fail "$3 did not start within 30 s"; }
    sleep 0.2
  done
}
node packages/cli/dist/main.js emulator zendesk --host 127.0.0.1 --port 0 --seed demo --bulk-import \
  >"$work/zendesk.log" 2>&1 &
pids+=($!)
node packages/cli/dist/main.js emulator entra --host 127.0.0.1 --port 0 --seed demo:12 \
  --cert-file "$work/entra-ca.pem" >"$work/entra.log" 2>&1 &
pids+=($!)
wait_for_line "$work/zendesk.log" 'listening on' 'the Zendesk emulator'
wait_for_line "$work/entra.log" 'control:' 'the Entra emulator'
field() { sed -n "s/^ *$2: *\([^ ]*\).*/\1/p" "$1" | head -n 1; }
zendesk_url="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/zendesk.log" | head -n 1)"
zendesk_admin="$(field "$work/zendesk.log" admin)"
zendesk_token="$(field "$work/zendesk.log" 'api token')"
zendesk_subdomain="$(field "$work/zendesk.log" subdomain)"
entra_url="$(sed -n 's/.*listening on \(https[^ ]*\).*/\1/p' "$work/entra.log" | head -n 1)"
tenant="$(field "$work/entra.log" 'tenant id')"
client_id="$(field "$work/entra.log" 'client id')"
client_secret="$(field "$work/entra.log" 'client secret')"
admin_client_id="$(field "$work/entra.log" 'admin client id')"
admin_client_secret="$(field "$work/entra.log" 'admin client secret')"
for v in zendesk_url zendesk_admin zendesk_token zendesk_subdomain entra_url tenant client_id client_secret admin_client_id admin_client_secret; do
  [ -n "${!v}" ] || fail "could not read $v from the emulators' output"
done
log "Zendesk emulator at $zendesk_url, Entra emulator at $entra_url"

zendesk_users() {
  curl -fsS --max-time 10 -u "$zendesk_admin/token:$zendesk_token" "$zendesk_url/api/v2/users/count.json" |
    node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).count.value))'
}
users_before="$(zendesk_users)"

# The Zendesk enterprise application's service principal, found through Graph as an admin would.
graph_token="$(curl -fsS --max-time 10 --cacert "$work/entra-ca.pem" \
  --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$admin_client_id" \
  --data-urlencode "client_secret=$admin_client_secret" --data-urlencode 'scope=https://graph.microsoft.com/.default' \
  "$entra_url/$tenant/oauth2/v2.0/token" | node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).access_token')"
sp_id="$(curl -fsS --max-time 10 --cacert "$work/entra-ca.pem" -G -H "Authorization: Bearer $graph_token" \
  --data-urlencode "\$filter=displayName eq '$ZENDESK_SP_NAME'" "$entra_url/v1.0/servicePrincipals" |
  node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).value[0].id')"
[ -n "$sp_id" ] && [ "$sp_id" != undefined ] || fail "no '$ZENDESK_SP_NAME' service principal in the Entra emulator"

# 3. The image, serving on a free loopback port with the host's network.
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
secret_key="$(node -p 'require("crypto").randomBytes(32).toString("base64")')"
# Set, so that serve prints no generated password into the log this script shows on failure.
admin_password="$(node -p 'require("crypto").randomBytes(18).toString("base64url")')"
"${docker_cmd[@]}" run -d --name "$container" --network host \
  --tmpfs /app/data:uid=10001,gid=10001,mode=0700 \
  -e DATABASE_URL=sqlite:/app/data/provisio.db -e PROVISIO_SECRET_KEY="$secret_key" \
  -e PROVISIO_ADMIN_PASSWORD="$admin_password" --read-only --cap-drop ALL --security-opt no-new-privileges \
  -e PROVISIO_HEALTHCHECK_PORT="$port" \
  --health-interval 2s --health-start-period 60s --health-retries 3 \
  "$IMAGE" serve --host 127.0.0.1 --port "$port" --allow-custom-endpoints >/dev/null
api="http://127.0.0.1:$port"
log "container $container started: provisio serve on $api"

deadline=$((SECONDS + 120))
until curl -fsS --max-time 5 "$api/readyz" >"$work/readyz.json" 2>/dev/null; do
  within "$deadline" "/readyz did not answer 200 within 120 s"
  [ "$("${docker_cmd[@]}" inspect --format '{{.State.Running}}' "$container")" = true ] || fail "the container exited"
  sleep 1
done
log "/readyz 200: $(cat "$work/readyz.json")"
until [ "$("${docker_cmd[@]}" inspect --format '{{.State.Health.Status}}' "$container")" = healthy ]; do
  within "$deadline" "Docker's health check did not report healthy"
  sleep 1
done
log "Docker's HEALTHCHECK reports healthy"

# 4. One provisioning cycle, configured through the admin API with a token made in the container.
api_token="$("${docker_cmd[@]}" exec "$container" node packages/cli/dist/main.js tokens create \
  --name ci-image --role Administrator --format json |
  node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).token')"
[ -n "$api_token" ] && [ "$api_token" != undefined ] || fail "provisio tokens create printed no token"
call() { # method path [json body]; prints the body, fails on a non-2xx status
  local out="$work/response" status
  status="$(curl -sS --max-time 15 -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $api_token" \
    ${3:+-H 'Content-Type: application/json' --data "$3"} "$api$2")"
  case "$status" in 2*) cat "$out" ;; *) fail "$1 $2 answered $status: $(cat "$out")" ;; esac
}
sync="/v1.0/servicePrincipals/$sp_id/synchronization"
job_id="$(call POST "$sync/jobs" '{"templateId":"zendesk","schedule":{"interval":"PT1H"}}' |
  node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).id')"
secrets="$(ZD_ADMIN="$zendesk_admin" ZD_TOKEN="$zendesk_token" ZD_DOMAIN="$zendesk_subdomain" ZD_URL="$zendesk_url" \
  TENANT="$tenant" CLIENT_ID="$client_id" CLIENT_SECRET="$client_secret" ENTRA_URL="$entra_url" \
  CA_PEM="$work/entra-ca.pem" node -e '
    const e = process.env;
    const value = Object.entries({
      UserName: e.ZD_ADMIN, SecretToken: e.ZD_TOKEN, Domain: e.ZD_DOMAIN, BaseAddress: e.ZD_URL,
      EntraTenantId: e.TENANT, EntraClientId: e.CLIENT_ID, EntraClientSecret: e.CLIENT_SECRET,
      EntraAuthorityHost: e.ENTRA_URL, EntraGraphBaseUrl: e.ENTRA_URL,
      EntraCaCertificate: require("fs").readFileSync(e.CA_PEM, "utf8"),
    }).map(([key, value]) => ({ key, value }));
    console.log(JSON.stringify({ value }));')"
call PUT "$sync/secrets" "$secrets" >/dev/null
call POST "$sync/jobs/$job_id/start" >/dev/null
log "job $job_id configured and started"

deadline=$((SECONDS + 180))
while :; do
  call GET "/provisio/v1/jobs/$job_id/cycles?\$top=1" >"$work/cycles.json"
  state="$(node -p 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).value[0]; c ? c.state : "none"' "$work/cycles.json")"
  case "$state" in
    succeeded) break ;;
    failed | entryLevelErrors | held) fail "the first cycle ended $state: $(cat "$work/cycles.json")" ;;
  esac
  within "$deadline" "no cycle finished within 180 s (last: $state)"
  sleep 1
done
created="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).value[0].counts.created' "$work/cycles.json")"
users_after="$(zendesk_users)"
[ "$created" -gt 0 ] || fail "the cycle created no user: $(cat "$work/cycles.json")"
[ "$users_after" -eq $((users_before + created)) ] ||
  fail "the Zendesk emulator has $users_after users, expected $users_before + $created created"
log "one provisioning cycle succeeded: $created users created; the Zendesk emulator went from $users_before to $users_after users"
log "passed in $((SECONDS - started)) s"
