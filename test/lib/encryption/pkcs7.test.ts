// PKCS#7 EnvelopedData key wrapping: round trip, openssl reading what we write (it parses the DER
// and finds the recipient), several recipients, a wrong key refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pkcs7Decrypt, pkcs7Encrypt } from '../../../lib/encryption/pkcs7.ts';

const skip = spawnSync('openssl', ['version']).status !== 0 ? 'openssl not installed' : '';
const t = skip ? test.skip : test;
let dir: string;
const certs: X509Certificate[] = [];
const keys: ReturnType<typeof createPrivateKey>[] = [];

test.before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tspod-pkcs7-'));
  for (const n of [0, 1, 2]) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${n}.key`), '-out', join(dir, `${n}.crt`), '-subj', `/CN=tspod-${n}`, '-days', '2'], { stdio: 'ignore' });
    certs.push(new X509Certificate(readFileSync(join(dir, `${n}.crt`))));
    keys.push(createPrivateKey(readFileSync(join(dir, `${n}.key`))));
  }
});
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

t('round trip for each of several recipients; another key is refused', () => {
  const msg = Buffer.from('{"symkey":"abc"}');
  const der = pkcs7Encrypt(msg, [certs[0], certs[1]]);
  assert.equal(pkcs7Decrypt(der, [keys[0]]), msg);
  assert.equal(pkcs7Decrypt(der, [keys[2], keys[1]]), msg);
  assert.throws(() => pkcs7Decrypt(der, [keys[2]]), /pkcs7: none of the private keys could decrypt the layer key/);
  assert.throws(() => pkcs7Decrypt(Buffer.from('junk'), [keys[0]]), /pkcs7: parsing EnvelopedData/);
});

t('openssl parses it: EnvelopedData, the issuer and serial of the certificate, AES-128-GCM', () => {
  const der = pkcs7Encrypt(Buffer.from('x'), [certs[0]]);
  writeFileSync(join(dir, 'm.der'), der);
  const parsed = execFileSync('openssl', ['asn1parse', '-inform', 'der', '-in', join(dir, 'm.der')], { encoding: 'utf8' });
  assert.match(parsed, /pkcs7-envelopedData/);
  assert.match(parsed, /UTF8STRING\s+:tspod-0/);
  assert.match(parsed, new RegExp(`INTEGER\\s+:${certs[0].serialNumber}`));
  assert.match(parsed, /rsaEncryption/);
  assert.match(parsed, /aes-128-gcm/);
});

t('reads CBC content as openssl smime writes it', () => {
  writeFileSync(join(dir, 'p.txt'), 'plain text');
  execFileSync('openssl', ['smime', '-encrypt', '-aes256', '-binary', '-outform', 'DER', '-in', join(dir, 'p.txt'), '-out', join(dir, 'o.der'), join(dir, '1.crt')]);
  assert.is(pkcs7Decrypt(readFileSync(join(dir, 'o.der')), [keys[0], keys[1]]).toString(), 'plain text');
});

test.run();
