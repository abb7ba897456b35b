// idpkeys.mjs DIR
//
// Generates the keys of the trusted bearer-grant issuers (idp-*), distinct
// from every client key so that no "other client" shares an issuer's key:
// DIR/idp-NAME.key (PKCS#8 PEM, mode 0600) for jwtharness, DIR/idp-NAME.pub
// (SPKI PEM) for the servers, whose kid is "idp-NAME".
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: idpkeys.mjs DIR');
  process.exit(2);
}
const kinds = {
  rsa: ['rsa', { modulusLength: 2048 }],
  rs384: ['rsa', { modulusLength: 2048 }],
  rs512: ['rsa', { modulusLength: 2048 }],
  ps256: ['rsa', { modulusLength: 2048 }],
  ec: ['ec', { namedCurve: 'P-256' }],
  es384: ['ec', { namedCurve: 'P-384' }],
  eddsa: ['ed25519', {}],
  ed: ['ed25519', {}],
};
for (const [name, [type, opts]] of Object.entries(kinds)) {
  const { privateKey, publicKey } = generateKeyPairSync(type, opts);
  const base = path.join(dir, `idp-${name}`);
  writeFileSync(`${base}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${base}.pub`, publicKey.export({ type: 'spki', format: 'pem' }));
}
