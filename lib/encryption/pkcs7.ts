// PKCS#7 (CMS) EnvelopedData key wrapping as ocicrypt's pkcs7 key wrapper writes it with
// go.mozilla.org/pkcs7: the private layer options encrypted with AES-128-GCM under a random key,
// that key encrypted with RSA PKCS#1 v1.5 to each recipient certificate (IssuerAndSerialNumber).
// Its DER has two quirks kept for interop: the GCM parameters sit inside a primitive-tagged
// SEQUENCE (tag 0x10) and the nonce is tagged [4]. A small DER reader/writer, no dependency.
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { TspodError, errorMessage } from '../errors.ts';

interface Tlv { tag: number; start: number; body: number; end: number }

function read(b: Buffer, at: number): Tlv {
  if (at + 2 > b.length) throw new Error('truncated DER');
  const tag = b[at];
  let len = b[at + 1];
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4 || body + n > b.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[body + i];
    body += n;
  }
  if (body + len > b.length) throw new Error('truncated DER');
  return { tag, start: at, body, end: body + len };
}

/** The elements inside a constructed element. */
function children(b: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = t.body; at < t.end; at = out[out.length - 1].end) out.push(read(b, at));
  return out;
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const oid = (dotted: string): Buffer => {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const enc = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return tlv(0x06, Buffer.from(bytes));
};

const OID_ENVELOPED = oid('1.2.840.113549.1.7.3');
const OID_DATA = oid('1.2.840.113549.1.7.1');
const OID_RSA = oid('1.2.840.113549.1.1.1');
/** Content ciphers go.mozilla.org/pkcs7 reads: OID -> node cipher name. */
const CIPHERS = new Map<string, string>([
  [oid('2.16.840.1.101.3.4.1.6').toString('hex'), 'aes-128-gcm'],
  [oid('2.16.840.1.101.3.4.1.46').toString('hex'), 'aes-256-gcm'],
  [oid('2.16.840.1.101.3.4.1.2').toString('hex'), 'aes-128-cbc'],
  [oid('2.16.840.1.101.3.4.1.42').toString('hex'), 'aes-256-cbc'],
  [oid('1.2.840.113549.3.7').toString('hex'), 'des-ede3-cbc'],
]);

const integer = (n: number) => tlv(0x02, Buffer.from([n]));

/** The certificate's issuer Name and serialNumber, as DER, from its TBSCertificate. */
function issuerAndSerial(cert: X509Certificate): Buffer {
  const der = cert.raw;
  const tbs = children(der, read(der, 0))[0];
  const f = children(der, tbs);
  const i = f[0].tag === 0xa0 ? 1 : 0; // [0] version is optional
  return tlv(0x30, der.subarray(f[i + 2].start, f[i + 2].end), der.subarray(f[i].start, f[i].end));
}

/** EnvelopedData (in a ContentInfo) of `plaintext` for every certificate; RSA certificates only. */
export function pkcs7Encrypt(plaintext: Buffer, certs: X509Certificate[]): Buffer {
  const key = randomBytes(16);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-128-gcm', key, nonce);
  const sealed = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  const recipients = certs.map((cert) => {
    if (cert.publicKey.asymmetricKeyType !== 'rsa') throw new TspodError('INVALID_KEY', 'pkcs7: only RSA certificates are supported');
    const ek = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, key);
    return tlv(0x30, integer(0), issuerAndSerial(cert), tlv(0x30, OID_RSA), tlv(0x04, ek));
  });
  const params = tlv(0x10, tlv(0x30, tlv(0x84, nonce), integer(16)));
  const eci = tlv(0x30, OID_DATA, tlv(0x30, oid('2.16.840.1.101.3.4.1.6'), params), tlv(0xa0, tlv(0x04, sealed)));
  const env = tlv(0x30, integer(0), tlv(0x31, ...recipients), eci);
  return tlv(0x30, OID_ENVELOPED, tlv(0xa0, env));
}

/** RSA PKCS#1 v1.5 decryption (node refuses the padding for private decryption: strip it by hand). */
function rsaPkcs1Decrypt(key: KeyObject, data: Buffer): Buffer {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, data);
  const sep = em.indexOf(0, 2);
  if (em[0] !== 0 || em[1] !== 2 || sep < 10) throw new Error('decryption error');
  return em.subarray(sep + 1);
}

/** The content of an OCTET STRING, primitive or (BER) constructed of primitive pieces. */
function octets(b: Buffer, t: Tlv): Buffer {
  if (!(t.tag & 0x20)) return b.subarray(t.body, t.end);
  return Buffer.concat(children(b, t).map((c) => octets(b, c)));
}

function decryptContent(b: Buffer, eci: Tlv, key: Buffer): Buffer {
  const [, alg, content] = children(b, eci);
  const [algOid, params] = children(b, alg);
  const name = CIPHERS.get(b.subarray(algOid.start, algOid.end).toString('hex'));
  if (!name) throw new TspodError('INVALID_PKCS7', 'pkcs7: unsupported content encryption algorithm');
  // [0] IMPLICIT OCTET STRING, or (as go.mozilla.org/pkcs7 writes it) [0] holding an OCTET STRING
  const data = content.tag === 0xa0 && b[content.body] === 0x04 ? octets(b, read(b, content.body)) : octets(b, content);
  if (name.endsWith('gcm')) {
    // params: SEQUENCE { nonce, icvLen } (possibly wrapped once more, see the header)
    let seq = params;
    if (b[seq.body] === 0x30) seq = read(b, seq.body);
    const [n, icv] = children(b, seq);
    const tagLen = icv ? b.readUIntBE(icv.body, icv.end - icv.body) : 16;
    const d = createDecipheriv(name as 'aes-128-gcm', key, b.subarray(n.body, n.end), { authTagLength: tagLen });
    d.setAuthTag(data.subarray(data.length - tagLen));
    return Buffer.concat([d.update(data.subarray(0, data.length - tagLen)), d.final()]);
  }
  const d = createDecipheriv(name, key, b.subarray(params.body, params.end));
  return Buffer.concat([d.update(data), d.final()]);
}

/** Decrypt an EnvelopedData with the first private key that opens one of its recipient infos. */
export function pkcs7Decrypt(der: Buffer, keys: KeyObject[]): Buffer {
  let env: Tlv, eci: Tlv, recipients: Tlv[];
  try {
    const [type, wrapped] = children(der, read(der, 0));
    if (!der.subarray(type.start, type.end).equals(OID_ENVELOPED)) throw new Error('not EnvelopedData');
    env = read(der, wrapped.body);
    const f = children(der, env);
    recipients = children(der, f[1]);
    eci = f[2];
  } catch (err) {
    throw new TspodError('INVALID_PKCS7', `pkcs7: parsing EnvelopedData: ${errorMessage(err)}`);
  }
  const failures = new Set<string>();
  for (const key of keys.filter((k) => k.asymmetricKeyType === 'rsa')) {
    for (const r of recipients) {
      try {
        const f = children(der, r);
        const cek = rsaPkcs1Decrypt(key, octets(der, f[3]));
        return decryptContent(der, eci, cek);
      } catch (err) {
        if (err instanceof TspodError) throw err;
        failures.add(errorMessage(err).replace(/^error:[0-9A-F]+:[^:]*::/, ''));
      }
    }
  }
  throw new TspodError('KEY_MISMATCH', `pkcs7: none of the private keys could decrypt the layer key${failures.size ? ` (${[...failures].join('; ')})` : ' (no RSA private key)'}`);
}
