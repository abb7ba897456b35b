#!/usr/bin/env bash
# Interop lane: jwtharness conform against node-oidc-provider (pinned in
# package-lock.json) configured for RFC 7523 by server.js, on loopback.
#
#   scripts/interop/run.sh [--peer node|fosite] [--jwtharness BIN] [--out DIR] [--write-expect FILE] [-- extra conform flags]
#
# --peer fosite (local only, not in CI) runs ory/fosite's RFC 7523 handlers
# instead (scripts/interop/fosite, its own Go module) against expected-fosite.yaml.
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
. "$here/lib.sh"
repo="$(cd "$here/../.." && pwd)"
out="${TMPDIR:-/tmp}/jwtharness-interop"
bin=""
peer=node
write_expect=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jwtharness) bin="$2"; shift 2 ;;
    --peer) peer="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --write-expect) write_expect="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# write_target BASE prints the jwtharness target file for the server at BASE:
# what server.js configures and node-oidc-provider does, declared as policy.
# Keys: PEM private keys alone, private JWKS (jwk:), and PEM + certificate
# where a case about certificates needs one (the server registers only the
# public JWK, never the certificate: x509_keys: false).
# Left out on purpose: expired_client and not_yet_valid_client (a JWK has no
# validity period) and disabled_client (node-oidc-provider has no disabled
# client state).
write_target() {
  cat <<YAML
token_endpoint: $1/token
issuer: $1
profile: rfc7523
leeway: 15s                # node-oidc-provider's clockTolerance default; server.js uses the same
timeout: 10s
max_lifetime: none         # no exp cap, neither node-oidc-provider nor server.js's grant (RFC 7523 §3: MAY)
policy:
  iat_required: false      # iat optional: client assertions and the grant
  jti_required: false      # the grant: jti optional (RFC 7523 §3 item 7); client flows below
  explicit_typing: false   # typ is not checked
  audiences: both          # issuer or token endpoint URL, for client assertions and the grant
  x509_keys: false
  algorithms: [RS256, RS384, RS512, PS256, ES256, ES384, EdDSA, HS256, HS384, HS512]
flows:
  jwt_bearer:
    issuer: idp-rsa        # a trusted assertion issuer, not a client
    subject: alice
    private_key: idp-rsa.key
    certificate: idp-rsa.crt   # used only by the cases about certificates; the server registers the key
    kid: idp-rsa
    alg: RS256
    forbidden_subject: mallory
    client_auth: {method: client_secret_basic, client_id: grant-client, secret_file: grant-client.secret}
    other_client: {issuer: idp-ed, subject: alice, private_key: idp-ed.key, certificate: idp-ed.crt, alg: EdDSA}
    alternates:
      - {issuer: idp-ec, subject: alice, jwk: idp-ec.jwks.json, alg: ES256}
      - {issuer: idp-ps256, subject: alice, private_key: idp-ps256.key, alg: PS256}
      - {issuer: idp-rs384, subject: alice, private_key: idp-rs384.key, alg: RS384}
      - {issuer: idp-rs512, subject: alice, private_key: idp-rs512.key, alg: RS512}
      - {issuer: idp-es384, subject: alice, private_key: idp-es384.key, alg: ES384}
      - {issuer: idp-eddsa, subject: alice, private_key: idp-eddsa.key, alg: EdDSA}
  private_key_jwt:
    client_id: client-ec
    private_key: client-ec.key
    certificate: client-ec.crt
    alg: ES256
    jti_required: true     # node-oidc-provider: "unique jti (JWT ID) must be provided"
    alternates:
      - {client_id: client-rsa, private_key: client-rsa.key, certificate: client-rsa.crt, alg: RS256}
      - {client_id: client-rs384, private_key: client-rs384.key, alg: RS384}
      - {client_id: client-rs512, private_key: client-rs512.key, alg: RS512}
      - {client_id: client-ps256, private_key: client-ps256.key, alg: PS256}
      - {client_id: client-es384, jwk: client-es384.jwks.json, alg: ES384}
      - {client_id: client-eddsa, private_key: client-eddsa.key, alg: EdDSA}
  client_secret_jwt:
    client_id: client-secret
    secret_file: client-secret.secret
    alg: HS256
    jti_required: true
    alternates:
      - {client_id: client-hs384, secret_file: client-hs384.secret, alg: HS384}
      - {client_id: client-hs512, secret_file: client-hs512.secret, alg: HS512}
unregistered_key: stranger.key
other_client: {client_id: client-ed, private_key: client-ed.key, certificate: client-ed.crt, alg: EdDSA}
restricted_client: {client_id: client-restricted, private_key: client-restricted.key, alg: RS256}
rotating_client:
  client_id: client-rotating
  subject: alice
  private_key: client-rotating.key
  certificate: client-rotating.crt        # the loader wants certificates for rotating_client
  alg: RS256
  next_private_key: client-rotating-next.key
  next_certificate: client-rotating-next.crt
YAML
}

# write_fosite_target BASE: the target for fosite (--peer fosite). fosite
# checks exp and nbf with no clock skew, caps exp - iat at 24 h for the
# grant only, wants aud = the token endpoint URL, requires jti in client
# assertions (not in the grant), has no client_secret_jwt and no EdDSA for
# client assertions, and (as configured) takes the grant without client
# authentication.
write_fosite_target() {
  cat <<YAML
token_endpoint: $1/token
profile: rfc7523
leeway: 0s
timeout: 10s
policy:
  iat_required: false
  jti_required: false
  explicit_typing: false
  audiences: token_endpoint
  x509_keys: false
flows:
  jwt_bearer:
    issuer: idp-rsa
    subject: alice
    private_key: idp-rsa.key
    certificate: idp-rsa.crt
    kid: idp-rsa
    alg: RS256
    forbidden_subject: mallory
    max_lifetime: 24h
    other_client: {issuer: idp-ed, subject: alice, private_key: idp-ed.key, certificate: idp-ed.crt, kid: idp-ed, alg: EdDSA}
    alternates:
      - {issuer: idp-ec, subject: alice, private_key: idp-ec.key, kid: idp-ec, alg: ES256}
      - {issuer: idp-ps256, subject: alice, private_key: idp-ps256.key, kid: idp-ps256, alg: PS256}
      - {issuer: idp-rs384, subject: alice, private_key: idp-rs384.key, kid: idp-rs384, alg: RS384}
      - {issuer: idp-rs512, subject: alice, private_key: idp-rs512.key, kid: idp-rs512, alg: RS512}
      - {issuer: idp-es384, subject: alice, private_key: idp-es384.key, kid: idp-es384, alg: ES384}
      - {issuer: idp-eddsa, subject: alice, private_key: idp-eddsa.key, kid: idp-eddsa, alg: EdDSA}
  private_key_jwt:
    client_id: client-ec
    private_key: client-ec.key
    alg: ES256
    max_lifetime: none
    jti_required: true
    alternates:
      - {client_id: client-rsa, private_key: client-rsa.key, certificate: client-rsa.crt, alg: RS256}
      - {client_id: client-rs384, private_key: client-rs384.key, alg: RS384}
      - {client_id: client-rs512, private_key: client-rs512.key, alg: RS512}
      - {client_id: client-ps256, private_key: client-ps256.key, alg: PS256}
      - {client_id: client-es384, private_key: client-es384.key, alg: ES384}
  client_secret_jwt: {unsupported: true}
unregistered_key: stranger.key
other_client: {client_id: client-ed, private_key: client-ed.key, alg: EdDSA}
restricted_client: {client_id: client-restricted, private_key: client-restricted.key, alg: RS256}
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
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "run.sh: node $(node --version) is too old: oidc-provider 9 needs Node.js 20 or newer" >&2; exit 3; }

mkdir -p "$out"
if [ -z "$bin" ]; then
  bin="$out/jwtharness"
  log "build jwtharness"
  (cd "$repo" && go build -o "$bin" ./cmd/jwtharness)
fi

case "$peer" in
  node)
    log "npm ci (node $(node --version), npm $(npm --version))"
    (cd "$here" && timeout 180 npm ci --no-audit --no-fund --loglevel=error)
    expect_file="$here/expected.yaml" ;;
  fosite)
    log "build the fosite peer (scripts/interop/fosite, local only)"
    (cd "$here/fosite" && timeout 300 go build -o "$out/fosite-peer" .)
    expect_file="$here/expected-fosite.yaml" ;;
  *) echo "run.sh: --peer $peer: want node or fosite" >&2; exit 2 ;;
esac

rm -rf "$out/fx" "$out/fx-idp" "$out/reports"
mkdir -p "$out"
fx="$out/fx"
log "keys: jwtharness fixtures"
"$bin" fixtures --out "$fx" --token-endpoint http://127.0.0.1:1/token >/dev/null
# The bearer grant's client authenticates with client_secret_basic.
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$fx/grant-client.secret")
# The grant issuers (idp-*) get keys of their own, from a second fixture set,
# so that no client shares an issuer's key.
"$bin" fixtures --out "$out/fx-idp" --token-endpoint http://127.0.0.1:1/token >/dev/null
for n in rsa ec rs384 rs512 ps256 es384 eddsa ed; do
  cp -p "$out/fx-idp/client-$n.key" "$fx/idp-$n.key"
  cp -p "$out/fx-idp/client-$n.crt" "$fx/idp-$n.crt"
done
rm -rf "$out/fx-idp"
# Keys as private JWKS (target key jwk:), kid = the one the servers register.
node "$here/pem2jwks.mjs" "$fx/client-es384.key" client-es384 "$fx/client-es384.jwks.json"
node "$here/pem2jwks.mjs" "$fx/idp-ec.key" idp-ec "$fx/idp-ec.jwks.json"

ready="$out/ready"
rm -f "$ready"
log "start $peer on loopback"
if [ "$peer" = node ]; then
  node "$here/server.js" --fixtures "$fx" --ready "$ready" > "$out/server.log" 2>&1 &
else
  "$out/fosite-peer" --fixtures "$fx" --ready "$ready" > "$out/server.log" 2>&1 &
fi
server_pid=$!
trap stop_server EXIT

wait_ready "$ready" "$out/server.log" 15
base="$(cat "$ready")"
log "server ready at $base ($(( $(date +%s) - started )) s since start)"

# The target file: what this server offers and how it is configured.
target="$fx/$peer.yaml"
if [ "$peer" = node ]; then write_target "$base" > "$target"; else write_fosite_target "$base" > "$target"; fi

log "discovery smoke: jwtharness target init --discover"
if [ "$peer" = node ]; then
  "$bin" target init --discover "$base" --out "$out/discovered.yaml" --force || { echo "run.sh: discovery failed" >&2; exit 1; }
  grep -q "^token_endpoint: \"$base/token\"" "$out/discovered.yaml" || { echo "run.sh: the discovered target names another token endpoint than $base/token" >&2; exit 1; }
fi

log "conform"
conform=("$bin" conform --target "$target" --report-dir "$out/reports")
if [ -n "$write_expect" ]; then
  conform+=(--write-expect "$write_expect")
else
  conform+=(--expect "$expect_file")
fi
set +e
timeout 300 "${conform[@]}" "${extra[@]}" > "$out/conform.txt" 2>&1
rc=$?
set -e
# The verdict summary, findings and failures (the full output is in conform.txt).
sed -n '/^jwtharness conformance:/,/^Warnings (/p' "$out/conform.txt" | cut -c1-300
grep -q '^jwtharness conformance:' "$out/conform.txt" || tail -n 20 "$out/conform.txt"
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
