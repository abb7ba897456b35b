// node-oidc-provider configured for RFC 7523: the independent peer of
// jwtharness's interop lane.
//
//   node server.js --fixtures DIR --ready FILE [--clients clients.json] [--host 127.0.0.1] [--port 0]
//
// DIR holds keys and secrets from `jwtharness fixtures`, plus what run.sh
// makes: grant-client.secret and the grant issuers' certificates (idp-*.crt). Only the PUBLIC parts of the keys are registered, as JWKs.
// The server listens on loopback, and once it accepts connections it writes its
// issuer URL (http://127.0.0.1:PORT) to FILE.
//
// What is node-oidc-provider's own behaviour, untouched:
//   - client authentication at the token endpoint (private_key_jwt,
//     client_secret_jwt, client_secret_basic), including its client assertion
//     checks (iss, sub, aud, exp, jti required, replay, signature);
//   - the client_credentials grant, errors, metadata (/.well-known/openid-configuration).
// What this file adds, through Provider#registerGrantType, because
// node-oidc-provider does not ship it: the JWT bearer authorization grant of
// RFC 7523 §2.1, validated per RFC 7523 §3 with the `jose` package (the one
// node-oidc-provider itself uses). Like every grant in node-oidc-provider,
// it runs after client authentication (RFC 7521 §4.1, RFC 7523 §2.1 allow it).

import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';
import { createLocalJWKSet, decodeJwt, jwtVerify, errors as joseErrors } from 'jose';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const { values: args } = parseArgs({
  options: {
    fixtures: { type: 'string' },
    ready: { type: 'string' },
    clients: { type: 'string', default: new URL('./clients.json', import.meta.url).pathname },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

function die(msg) {
  process.stderr.write(`server.js: ${msg}\n`);
  process.exit(2);
}

if (!args.fixtures || !args.ready) die('--fixtures DIR and --ready FILE are required');
if (args.host !== '127.0.0.1' && args.host !== '::1') die(`--host ${args.host}: loopback only (127.0.0.1 or ::1)`);

const fixture = (name) => path.join(args.fixtures, name);

// publicJWK reads a PEM certificate and returns its public key as a JWK
// whose kid is the file's base name (client-ec.crt: "client-ec"), the kid
// run.sh gives the private JWKS it makes for jwtharness (pem2jwks.mjs).
// Only the key is registered: node-oidc-provider knows no certificates.
function publicJWK(certFile) {
  let cert;
  try {
    cert = new X509Certificate(readFileSync(fixture(certFile)));
  } catch (err) {
    die(`${certFile}: ${err.message}`);
  }
  return { ...cert.publicKey.export({ format: 'jwk' }), kid: path.basename(certFile, '.crt') };
}

function jwksOf(entry) {
  const files = entry.certificates ?? [entry.certificate];
  return { keys: files.map((f) => publicJWK(f)) };
}

function secretOf(entry) {
  try {
    return readFileSync(fixture(entry.secret_file), 'utf8').trim();
  } catch (err) {
    return die(`${entry.secret_file}: ${err.message}`);
  }
}

let registrations;
try {
  registrations = JSON.parse(readFileSync(args.clients, 'utf8'));
} catch (err) {
  die(`${args.clients}: ${err.message}`);
}

const clients = registrations.clients.map((c) => {
  const meta = {
    client_id: c.client_id,
    token_endpoint_auth_method: c.method,
    grant_types: c.grant_types ?? ['client_credentials'],
    response_types: c.response_types ?? [],
    redirect_uris: c.redirect_uris ?? [],
  };
  // The algorithm the client registered (as the jwtharness fixture registry
  // does); without it node-oidc-provider accepts any enabled algorithm the key fits.
  if (c.alg) meta.token_endpoint_auth_signing_alg = c.alg;
  if (c.method === 'private_key_jwt') meta.jwks = jwksOf(c);
  else meta.client_secret = secretOf(c);
  return meta;
});

// grantIssuers: iss -> { keys: jose key resolver over the issuer's registered
// public JWKS, subjects: the subjects it may assert for }.
// Like a client's token_endpoint_auth_signing_alg, an issuer registers the
// one algorithm its keys sign with (the JWK's "alg", which jose enforces).
const grantIssuers = new Map(registrations.grant_issuers.map((g) => [g.issuer, {
  keys: createLocalJWKSet({ keys: jwksOf(g).keys.map((k) => ({ ...k, alg: g.alg })) }),
  subjects: new Set(g.subjects),
}]));

// Asymmetric algorithms only: a bearer-grant issuer is registered by public key.
const GRANT_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

function start(issuer, server) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [{ ...signingKey, kid: 'op-signing', use: 'sig', alg: 'ES256' }] },
    clientAuthMethods: ['private_key_jwt', 'client_secret_jwt', 'client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: [
        'HS256', 'HS384', 'HS512',
        'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
        'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA',
      ],
      idTokenSigningAlgValues: ['ES256'],
    },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
    },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: ['interop-lane-cookie-key-not-a-secret'] },
    findAccount: async () => undefined,
  });

  const tokenEndpoint = provider.urlFor('token');

  // jwtBearerGrant implements RFC 7523 §2.1 / §3 on top of the client that
  // node-oidc-provider already authenticated (ctx.oidc.client).
  async function jwtBearerGrant(ctx) {
    const { assertion } = ctx.oidc.params;
    if (!assertion) throw new errors.InvalidRequest("missing required parameter 'assertion'");

    let unverified;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw new errors.InvalidGrant('assertion is not a JWT');
    }
    // §3 item 1: iss MUST be present; keys come only from that issuer's registration.
    if (typeof unverified.iss !== 'string') throw new errors.InvalidGrant('assertion iss (issuer) is missing');
    const trusted = grantIssuers.get(unverified.iss);
    if (!trusted) throw new errors.InvalidGrant('assertion issuer is not trusted');

    const options = {
      algorithms: GRANT_ALGS,
      issuer: unverified.iss,
      audience: [issuer, tokenEndpoint], // §3 item 3: aud identifies this server
      requiredClaims: ['iss', 'sub', 'aud', 'exp'], // §3 items 1-4
      clockTolerance: 15, // §3 item 4: "reasonable" clock skew, node-oidc-provider's default
    };
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, trusted.keys, options));
    } catch (err) {
      // An issuer with two keys (rotation) and an assertion without kid:
      // jose hands back the candidates; try each, as its documentation says.
      if (err instanceof joseErrors.JWKSMultipleMatchingKeys) {
        for await (const key of err) {
          try {
            ({ payload } = await jwtVerify(assertion, key, options));
            break;
          } catch { /* next candidate */ }
        }
      }
      if (!payload) {
        if (err instanceof joseErrors.JOSEError) throw new errors.InvalidGrant(`assertion invalid: ${err.code}`);
        throw err;
      }
    }
    // §3 item 2: sub identifies the party the token is for; the issuer must be allowed to assert it.
    if (!trusted.subjects.has(payload.sub)) throw new errors.InvalidGrant('assertion sub is not allowed for this issuer');

    // §3 item 7: the server MAY refuse replays; node-oidc-provider's replay store, as for client assertions.
    if (payload.jti !== undefined) {
      const unique = await provider.ReplayDetection.unique(payload.iss, String(payload.jti), payload.exp + 15);
      if (!unique) throw new errors.InvalidGrant('assertion jti was already used');
    }

    const token = new provider.AccessToken({
      accountId: payload.sub,
      client: ctx.oidc.client,
      gty: 'jwt_bearer',
      scope: undefined,
    });
    ctx.oidc.entity('AccessToken', token);
    const value = await token.save();
    ctx.body = {
      access_token: value,
      expires_in: token.expiration,
      token_type: token.tokenType,
    };
  }
  provider.registerGrantType(JWT_BEARER, jwtBearerGrant, ['assertion', 'scope']);

  provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
  server.on('request', provider.callback());
}

const server = createServer();
server.requestTimeout = 10_000;
server.headersTimeout = 5_000;
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  const issuer = `http://${host}:${port}`;
  start(issuer, server);
  const tmp = `${args.ready}.tmp`;
  writeFileSync(tmp, `${issuer}\n`);
  renameSync(tmp, args.ready);
  process.stdout.write(`node-oidc-provider listening, issuer ${issuer}, token endpoint ${issuer}/token\n`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
