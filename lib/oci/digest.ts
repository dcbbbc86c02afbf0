import { TspodError } from '../errors.ts';

// node:crypto on first use only: loading it costs ~2 ms, and `images`/`ps` never hash.
let crypto: typeof import('node:crypto') | undefined;
export const lazyCrypto = (): typeof import('node:crypto') => (crypto ??= process.getBuiltinModule('node:crypto') as typeof import('node:crypto'));

const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export function sha256Digest(data: Buffer | string): string {
  return 'sha256:' + lazyCrypto().createHash('sha256').update(data).digest('hex');
}

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** Validate a digest string; the returned value is safe to use in a file name after the colon. */
export function parseDigest(s: string): { algorithm: string; hex: string } {
  if (!DIGEST_RE.test(s)) throw new TspodError('INVALID_DIGEST', `invalid digest "${s}"`);
  const [algorithm, hex] = s.split(':');
  return { algorithm, hex };
}

/** "sha256:abc..." -> "abc..." (validated). */
export function digestHex(s: string): string {
  return parseDigest(s).hex;
}
