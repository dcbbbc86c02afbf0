// A throw-away GNUPGHOME with a fresh key (no passphrase), for signing tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgKey {
  home: string;
  fingerprint: string;
  /** Armored public key. */
  publicKey: Buffer;
  /** Path of the armored public key file. */
  publicKeyPath: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** A short path: gpg-agent's socket path must fit in sun_path. */
export function makeGpgKey(name = 'tspod test'): GpgKey {
  const home = mkdtempSync(join(tmpdir(), 'tg-'));
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <test@tspod.invalid>`, 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
  const colons = execFileSync('gpg', ['--batch', '--with-colons', '--fingerprint'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(colons)![1];
  const publicKey = execFileSync('gpg', ['--batch', '--export', '--armor', fingerprint], { env });
  const publicKeyPath = join(home, 'pub.asc');
  writeFileSync(publicKeyPath, publicKey);
  return {
    home, fingerprint, publicKey, publicKeyPath, env,
    cleanup() {
      try {
        execFileSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
      } catch { /* no agent running */ }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
