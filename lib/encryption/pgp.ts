// OpenPGP key wrapping (ocicrypt's pgp key wrapper) through the system gpg: the private layer
// options become one OpenPGP message to every recipient (looked up in GNUPGHOME's public keyring,
// by e-mail, name or key id, as skopeo's `--encryption-key pgp:RECIPIENT`), binary, uncompressed.
// Decryption uses secret key files (`--decryption-key` with a key exported by
// `gpg --export-secret-keys`), imported into a throw-away GNUPGHOME, never the user's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';

/** A secret key file's bytes and its password, if any. */
export interface GpgSecretKey { key: Buffer; password?: Buffer }

function gpg(args: string[], input: Buffer | undefined, env: NodeJS.ProcessEnv): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync('gpg', ['--batch', '--no-tty', ...args], { input: input ?? Buffer.alloc(0), env, maxBuffer: 64 << 20 });
  if (r.error) throw new TspodError('GPG', `running gpg: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.toString() };
}

const lastLine = (s: string) => s.split('\n').filter((l) => !l.startsWith('[GNUPG:]')).map((l) => l.replace(/^gpg: /, '').trim()).filter(Boolean).pop() ?? 'unknown error';

/** Whether bytes are an OpenPGP secret key (armored, or binary starting with a secret-key packet). */
export function isGpgSecretKey(b: Buffer): boolean {
  if (b.toString('latin1', 0, 64).includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) return true;
  const tag = b[0] & 0x40 ? b[0] & 0x3f : (b[0] >> 2) & 0x0f;
  return (b[0] & 0x80) !== 0 && tag === 5;
}

/** Check that GNUPGHOME has a public key for a recipient (skopeo only finds out when it encrypts). */
export function checkGpgRecipient(recipient: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = gpg(['--with-colons', '--list-keys', '--', recipient], undefined, env);
  // field 12 of a pub line: the key's usable capabilities, an upper-case E when one of its keys encrypts
  const usable = r.stdout.toString().split('\n').some((l) => l.startsWith('pub:') && (l.split(':')[11] ?? '').includes('E'));
  if (r.status !== 0 || !usable) {
    throw new TspodError('INVALID_KEY', `invalid encryption keys: no usable OpenPGP encryption key for "${recipient}" in the keyring`);
  }
}

/** One OpenPGP message of `plaintext` for every recipient. */
export function pgpEncrypt(plaintext: Buffer, recipients: string[], env: NodeJS.ProcessEnv = process.env): Buffer {
  const args = ['--trust-model', 'always', '--compress-algo', 'none', '--encrypt', ...recipients.flatMap((r) => ['--recipient', r])];
  const r = gpg(args, plaintext, env);
  if (r.status !== 0) throw new TspodError('GPG', `encrypting the layer key with gpg: ${lastLine(r.stderr)}`);
  return r.stdout;
}

/** Decrypt an OpenPGP message with the secret keys given (tried together, gpg picks the one that fits). */
export function pgpDecrypt(message: Buffer, keys: GpgSecretKey[]): Buffer {
  const home = mkdtempSync(join(tmpdir(), 'tg-dec-')); // short: gpg-agent's socket path must fit
  const env = { ...process.env, GNUPGHOME: home };
  try {
    const problems: string[] = [];
    for (const [i, k] of keys.entries()) {
      const file = join(home, `k${i}`);
      writeFileSync(file, k.key);
      const pw = k.password ? ['--pinentry-mode', 'loopback', '--passphrase-file', writePw(home, i, k.password)] : [];
      const imp = gpg([...pw, '--import', file], undefined, env);
      if (imp.status !== 0) problems.push(`importing secret key: ${lastLine(imp.stderr)}`);
    }
    for (const [i, k] of keys.entries()) {
      const pw = ['--pinentry-mode', 'loopback', '--passphrase-file', writePw(home, i, k.password ?? Buffer.alloc(0))];
      const r = gpg([...pw, '--status-fd', '2', '--decrypt'], message, env);
      if (r.status === 0) return r.stdout;
      problems.push(/^\[GNUPG:\] BAD_PASSPHRASE|decryption failed: Bad passphrase/m.test(r.stderr) ? 'wrong password for the secret key' : lastLine(r.stderr));
    }
    throw new TspodError('KEY_MISMATCH', `pgp: none of the private keys could decrypt the layer key (${[...new Set(problems)].join('; ') || 'no keys'})`);
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

function writePw(home: string, i: number, pw: Buffer): string {
  const p = join(home, `pw${i}`);
  writeFileSync(p, pw, { mode: 0o600 });
  return p;
}
