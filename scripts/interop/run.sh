#!/usr/bin/env bash
# Interop lane: jwtharness conform against node-oidc-provider (pinned in
# package-lock.json) configured for RFC 7523 by server.js, on loopback.
#
#   scripts/interop/run.sh [--jwtharness BIN] [--out DIR] [--write-expect FILE] [-- extra conform flags]
#
# Installs the pinned npm packages (npm ci), makes keys with `jwtharness
# fixtures`, starts the server on 127.0.0.1 with a free port, writes the
# target file, runs `jwtharness conform --target … --expect expected.yaml
# --report-dir OUT/reports`, stops the server and exits with conform's exit
# code (or 3 when the lane itself could not run). It then checks that the
# jwt_bearer grant was really exercised (≥ 90 % of its runs PASS/FAIL/WARN).
# Every step is bounded in time.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${TMPDIR:-/tmp}/jwtharness-interop"
bin=""
write_expect=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jwtharness) bin="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --write-expect) write_expect="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# write_target BASE prints the jwtharness target file for the server at BASE.
# Left out on purpose: expired_client and not_yet_valid_client (a JWK has no
# validity period: node-oidc-provider registers keys, not certificates) and
# disabled_client (node-oidc-provider has no disabled state for a client).
write_target() {
  cat <<YAML
token_endpoint: $1/token
issuer: $1
profile: rfc7523
leeway: 15s                # node-oidc-provider's clockTolerance default
timeout: 10s
flows:
  jwt_bearer:
    issuer: client-rsa
    subject: alice
    private_key: client-rsa.key
    certificate: client-rsa.crt
    alg: RS256
    forbidden_subject: mallory
    alternates:
      - {issuer: client-ec, subject: alice, private_key: client-ec.key, certificate: client-ec.crt, alg: ES256}
      - {issuer: client-ps256, subject: alice, private_key: client-ps256.key, certificate: client-ps256.crt, alg: PS256}
      - {issuer: client-rs384, subject: alice, private_key: client-rs384.key, certificate: client-rs384.crt, alg: RS384}
      - {issuer: client-rs512, subject: alice, private_key: client-rs512.key, certificate: client-rs512.crt, alg: RS512}
      - {issuer: client-es384, subject: alice, private_key: client-es384.key, certificate: client-es384.crt, alg: ES384}
      - {issuer: client-eddsa, subject: alice, private_key: client-eddsa.key, certificate: client-eddsa.crt, alg: EdDSA}
  private_key_jwt:
    client_id: client-ec
    private_key: client-ec.key
    certificate: client-ec.crt
    alg: ES256
    alternates:
      - {client_id: client-rsa, private_key: client-rsa.key, certificate: client-rsa.crt, alg: RS256}
      - {client_id: client-rs384, private_key: client-rs384.key, certificate: client-rs384.crt, alg: RS384}
      - {client_id: client-rs512, private_key: client-rs512.key, certificate: client-rs512.crt, alg: RS512}
      - {client_id: client-ps256, private_key: client-ps256.key, certificate: client-ps256.crt, alg: PS256}
      - {client_id: client-es384, private_key: client-es384.key, certificate: client-es384.crt, alg: ES384}
      - {client_id: client-eddsa, private_key: client-eddsa.key, certificate: client-eddsa.crt, alg: EdDSA}
  client_secret_jwt:
    client_id: client-secret
    secret_file: client-secret.secret
    alg: HS256
    alternates:
      - {client_id: client-hs384, secret_file: client-hs384.secret, alg: HS384}
      - {client_id: client-hs512, secret_file: client-hs512.secret, alg: HS512}
unregistered_key: stranger.key
unregistered_certificate: stranger.crt
other_client: {client_id: client-ed, private_key: client-ed.key, certificate: client-ed.crt, alg: EdDSA}
restricted_client: {client_id: client-restricted, private_key: client-restricted.key, certificate: client-restricted.crt, alg: RS256}
rotating_client:
  client_id: client-rotating
  subject: alice
  private_key: client-rotating.key
  certificate: client-rotating.crt
  alg: RS256
  next_private_key: client-rotating-next.key
  next_certificate: client-rotating-next.crt
YAML
}

log() { printf '== interop: %s\n' "$*"; }
started=$(date +%s)

command -v node >/dev/null || { echo "run.sh: node is not installed (need Node.js >= 20)" >&2; exit 3; }
command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 3; }

if [ -z "$bin" ]; then
  bin="$out/jwtharness"
  mkdir -p "$out"
  log "build jwtharness"
  (cd "$repo" && go build -o "$bin" ./cmd/jwtharness)
fi

log "npm ci (node $(node --version), npm $(npm --version))"
(cd "$here" && timeout 180 npm ci --no-audit --no-fund --loglevel=error)

rm -rf "$out/fx" "$out/reports"
mkdir -p "$out"
fx="$out/fx"
log "keys: jwtharness fixtures"
"$bin" fixtures --out "$fx" --token-endpoint http://127.0.0.1:1/token >/dev/null
# The bearer grant's client authenticates with client_secret_basic.
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$fx/grant-client.secret")

ready="$out/ready"
rm -f "$ready"
log "start node-oidc-provider on loopback"
node "$here/server.js" --fixtures "$fx" --ready "$ready" > "$out/server.log" 2>&1 &
server_pid=$!
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT

for _ in $(seq 1 150); do
  [ -s "$ready" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: server exited before it was ready:" >&2; cat "$out/server.log" >&2; exit 3; }
  sleep 0.1
done
[ -s "$ready" ] || { echo "run.sh: server not ready after 15 s:" >&2; cat "$out/server.log" >&2; exit 3; }
base="$(cat "$ready")"
log "server ready at $base ($(( $(date +%s) - started )) s since start)"

# The target file: what this server offers and how it is configured.
target="$fx/node-oidc-provider.yaml"
write_target "$base" > "$target"

log "discovery smoke: jwtharness target init --discover"
if "$bin" target --help >/dev/null 2>&1 && "$bin" target init --help 2>/dev/null | grep -q -- --discover; then
  "$bin" target init --discover "$base" --out "$out/discovered.yaml" || { echo "run.sh: discovery failed" >&2; exit 1; }
fi

log "conform"
conform=("$bin" conform --target "$target" --report-dir "$out/reports")
if [ -n "$write_expect" ]; then
  conform+=(--write-expect "$write_expect")
elif "$bin" conform --help | grep -q -- '--expect'; then
  conform+=(--expect "$here/expected.yaml")
else
  log "WARNING: this jwtharness has no --expect yet; every FAIL gates"  # TEMPORARY until h-verdict merges
fi
set +e
timeout 300 "${conform[@]}" "${extra[@]}" > "$out/conform.txt" 2>&1
rc=$?
set -e
tail -n 40 "$out/conform.txt"
stop_server
trap - EXIT
log "conform exit code $rc, reports in $out/reports, server log $out/server.log"

if [ -f "$out/reports/report.json" ]; then
  node "$here/check_grant.mjs" "$out/reports/report.json" || rc=1
else
  echo "run.sh: conform wrote no report.json" >&2
  [ "$rc" -ne 0 ] || rc=3
fi
log "lane took $(( $(date +%s) - started )) s"
exit "$rc"
