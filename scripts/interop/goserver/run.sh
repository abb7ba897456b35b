#!/usr/bin/env bash
# Go interop lane: jwtharness conform against zitadel/oidc's OpenID Provider
# (github.com/zitadel/oidc/v3, pinned in go.mod beside this script), an
# independent Go implementation of the RFC 7523 JWT Profile grant, on
# loopback. See NOTES.md for what it reports and why.
#
#   scripts/interop/goserver/run.sh [--wiring provider|legacy-server] [--jwtharness BIN] [--out DIR] [--write-expect FILE] [-- extra conform flags]
#
# --wiring legacy-server serves the same provider through op.RegisterLegacyServer
# (the library example's other wiring), judged against expected-legacy.yaml.
#
# Builds the server (its own Go module), makes keys with `jwtharness
# fixtures` (converted to JWKS with `goserver jwks`), writes the server's
# registration (server.json) and the jwtharness target file, starts the
# server on 127.0.0.1 with a free port (it exits by itself after 10
# minutes), runs `jwtharness conform --target … --report-dir OUT/reports
# --expect expected.yaml` (expected-legacy.yaml for legacy-server), stops the
# server, checks that the grant was exercised (>= 80 % of its runs not SKIP
# or ERROR) and exits with conform's exit code (1 also when the grant was
# not exercised; 3 when the lane could not run).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib.sh"
repo="$(cd "$here/../../.." && pwd)"
out="${TMPDIR:-/tmp}/jwtharness-gointerop"
bin=""
write_expect=""
wiring=provider
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jwtharness) bin="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --write-expect) write_expect="$2"; shift 2 ;;
    --wiring) wiring="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

case "$wiring" in
  provider) expect_file="$here/expected.yaml" ;;
  legacy-server) expect_file="$here/expected-legacy.yaml" ;;
  *) echo "run.sh: --wiring $wiring: want provider or legacy-server" >&2; exit 2 ;;
esac

log() { printf '== gointerop: %s\n' "$*"; }
started=$(date +%s)
mkdir -p "$out"

if [ -z "$bin" ]; then
  bin="$out/jwtharness"
  log "build jwtharness"
  (cd "$repo" && go build -o "$bin" ./cmd/jwtharness)
fi
log "build the zitadel/oidc peer (scripts/interop/goserver, its own module)"
(cd "$here" && timeout 300 go build -o "$out/goserver" .)
log "the peer's own test (what the configured library does, independently of jwtharness)"
(cd "$here" && timeout 120 go test -count=1 .)
srv="$out/goserver"

rm -rf "$out/fx" "$out/reports"
fx="$out/fx"
log "keys: jwtharness fixtures"
"$bin" fixtures --out "$fx" --token-endpoint http://127.0.0.1:1/token >/dev/null

# Trusted grant issuers. For zitadel/oidc an issuer is a service account:
# its assertion's sub must equal its iss (op.SubjectIsIssuer). The library
# verifies RS256, ES256 and PS256 only (oidc.CheckSignature's default), so
# the issuers use those. Each issuer's public key is registered as a JWKS
# with a kid (op.JWTProfileKeyStorage looks keys up by kid and iss).
#   name       fixture key   alg
issuers="idp-rsa    client-rsa    RS256
idp-ec     client-ec     ES256
idp-ps256  client-ps256  PS256
idp-other  client-rs384  RS256"
while read -r name key alg; do
  cp -p "$fx/$key.key" "$fx/$name.key"
  cp -p "$fx/$key.crt" "$fx/$name.crt"
  "$srv" jwks --key "$fx/$name.key" --kid "$name" --alg "$alg" \
    --public "$fx/$name.pub.jwks" --private "$fx/$name.jwks"
done <<< "$issuers"
# A client_credentials client with a secret: the client authentication the
# library's client_credentials grant takes (no client assertion there).
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$fx/cc-secret.secret")

cat > "$fx/server.json" <<JSON
{
  "grant_issuers": [
    {"issuer": "idp-rsa", "jwks": "idp-rsa.pub.jwks"},
    {"issuer": "idp-ec", "jwks": "idp-ec.pub.jwks"},
    {"issuer": "idp-ps256", "jwks": "idp-ps256.pub.jwks"},
    {"issuer": "idp-other", "jwks": "idp-other.pub.jwks"}
  ],
  "secret_clients": [
    {"client_id": "cc-secret", "secret_file": "cc-secret.secret"}
  ]
}
JSON

# write_target ISSUER prints the jwtharness target file for the server:
# what zitadel/oidc's op package does, declared as policy.
write_target() {
  cat <<YAML
token_endpoint: $1/oauth/token      # op.DefaultEndpoints
issuer: $1
audience: $1                        # op.VerifyJWTAssertion: aud must contain the OP's issuer
profile: rfc7523
leeway: 0s          # oidc.CheckExpiration: exp must be after now + 1s; no skew the other way
max_lifetime: none  # no cap on exp (RFC 7523 §3 item 4: MAY)
timeout: 10s
policy:
  iat_required: true        # oidc.CheckIssuedAt: ErrIatMissing; iat at most 1 h old
  jti_required: false       # jti is neither required nor remembered (RFC 7523 §3 item 7: MAY)
  explicit_typing: false
  audiences: issuer
  x509_keys: false
  algorithms: [RS256, ES256, PS256]
flows:
  jwt_bearer:
    issuer: idp-rsa
    subject: idp-rsa        # op.SubjectIsIssuer: sub must equal iss
    private_key: idp-rsa.key
    certificate: idp-rsa.crt  # only for the cases about certificates; the server registers the JWK
    kid: idp-rsa
    alg: RS256
    forbidden_subject: mallory
    client_auth: {method: none}   # op.JWTProfile authenticates no client: the assertion is the credential
    other_client: {issuer: idp-other, subject: idp-other, private_key: idp-other.key, certificate: idp-other.crt, kid: idp-other, alg: RS256}
    alternates:
      - {issuer: idp-ec, subject: idp-ec, jwk: idp-ec.jwks, kid: idp-ec, alg: ES256}
      - {issuer: idp-ps256, subject: idp-ps256, private_key: idp-ps256.key, kid: idp-ps256, alg: PS256}
  # op's client_credentials grant authenticates clients by secret only
  # (op.ClientCredentialsStorage); a client assertion there is refused.
  private_key_jwt: {unsupported: true}
  client_secret_jwt: {unsupported: true}
unregistered_key: stranger.key
YAML
}

ready="$out/ready"
rm -f "$ready"
log "start the server on loopback ($wiring wiring)"
"$srv" serve --config "$fx/server.json" --ready "$ready" --lifetime 10m --wiring "$wiring" > "$out/server.log" 2>&1 &
server_pid=$!
trap stop_server EXIT
wait_ready "$ready" "$out/server.log" 10
issuer="$(cat "$ready")"
log "server ready at $issuer ($(( $(date +%s) - started )) s since start)"

target="$fx/zitadel.yaml"
write_target "$issuer" > "$target"

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
tail -n 40 "$out/conform.txt"
stop_server
trap - EXIT
if [ -f "$out/reports/report.json" ]; then
  # The grant must really have been tested: at least 80 % of its runs end
  # PASS, FAIL, WARN or INFO (24 of its 150 SKIP by nature, see NOTES.md).
  "$srv" coverage --report "$out/reports/report.json" --flow jwt_bearer --min 0.8 || rc=1
else
  echo "run.sh: conform wrote no report.json" >&2
  [ "$rc" -ne 0 ] || rc=3
fi
log "conform exit code $rc; reports in $out/reports, server log $out/server.log"
log "lane took $(( $(date +%s) - started )) s"
exit "$rc"
