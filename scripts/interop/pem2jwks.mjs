// pem2jwks.mjs KEY.pem KID OUT.json
//
// Writes the PEM private key KEY.pem as a private JWKS with one key whose kid
// is KID (mode 0600), for jwtharness's `jwk:` target key. server.js registers
// the public half with the same kid.
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [pem, kid, out] = process.argv.slice(2);
if (!pem || !kid || !out) {
  console.error('usage: pem2jwks.mjs KEY.pem KID OUT.json');
  process.exit(2);
}
const jwk = createPrivateKey(readFileSync(pem)).export({ format: 'jwk' });
writeFileSync(out, `${JSON.stringify({ keys: [{ ...jwk, kid, use: 'sig' }] })}\n`, { mode: 0o600 });
