// The system gpg, driven through its batch interface and --status-fd (gpg's machine-readable
// output; DETAILS in gnupg's doc/ lists the status lines). Verification always runs against a
// throw-away GNUPGHOME holding only the keys the policy names, so the user's trust settings and
// keyring never widen what is accepted.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';

interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function runGpg(args: string[], input: Buffer | undefined, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new TspodError('GPG', `running gpg: ${e.message}`, { cause: e })));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => {}); // gpg may exit before reading everything; its status says why
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('[GNUPG:]'));
  return lines[lines.length - 1] ?? 'unknown error';
}

export interface GpgSignOptions {
  /** GNUPGHOME override (else the environment's). */
  homeDir?: string;
  passphrase?: string;
}

/** gpg --sign: a binary OpenPGP message that carries the payload (containers/image's gpgme Sign, SigModeNormal). */
export async function gpgSign(payload: Buffer, fingerprint: string, opts: GpgSignOptions = {}): Promise<Buffer> {
  const args = ['--batch', '--no-tty', '--yes'];
  if (opts.homeDir) args.push('--homedir', opts.homeDir);
  let dir: string | undefined;
  try {
    if (opts.passphrase !== undefined) {
      dir = await mkdtemp(join(tmpdir(), 'tspod-gpg-'));
      await writeFile(join(dir, 'pass'), opts.passphrase, { mode: 0o600 });
      args.push('--pinentry-mode', 'loopback', '--passphrase-file', join(dir, 'pass'));
    }
    args.push('--local-user', fingerprint, '--sign', '--output', '-');
    const r = await runGpg(args, payload);
    if (r.code !== 0 || r.stdout.length === 0) {
      throw new TspodError('SIGNING_FAILED', `signing with gpg key ${fingerprint}: ${lastLine(r.stderr)}`);
    }
    return r.stdout;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

export interface GpgVerifyResult {
  /** The signed content. */
  payload: Buffer;
  /** Fingerprint of the signing (sub)key and of its primary key. */
  fingerprint: string;
  primaryFingerprint: string;
}

function parseVerifyStatus(status: string): { valid?: { fpr: string; primary: string }; problem?: string } {
  let valid: { fpr: string; primary: string } | undefined;
  let problem: string | undefined;
  for (const line of status.split('\n')) {
    const m = /^\[GNUPG:\] (\S+)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, kw, rest] = m;
    const f = rest.split(' ');
    if (kw === 'VALIDSIG') valid = { fpr: f[0], primary: f[9] ?? f[0] };
    else if (kw === 'BADSIG') problem = 'invalid GPG signature';
    else if (kw === 'ERRSIG' || kw === 'NO_PUBKEY') problem ??= `signature made by an unknown key ${f[0]}`;
    else if (kw === 'EXPKEYSIG') problem = `signature made by expired key ${f[0]}`;
    else if (kw === 'REVKEYSIG') problem = `signature made by revoked key ${f[0]}`;
    else if (kw === 'EXPSIG') problem = 'signature expired';
  }
  return { valid, problem };
}

async function killAgent(home: string): Promise<void> {
  const names = await readdir(home).catch(() => [] as string[]);
  if (!names.some((n) => n.startsWith('S.'))) return;
  await new Promise<void>((resolve) => {
    const c = spawn('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    c.on('error', () => resolve());
    c.on('close', () => resolve());
  });
}

/** ASCII-armored key blocks to their binary packets (binary input passes through). */
export function dearmor(key: Buffer): Buffer {
  const text = key.toString('latin1');
  if (!text.includes('-----BEGIN PGP')) return key;
  const out: Buffer[] = [];
  for (const m of text.matchAll(/-----BEGIN PGP [A-Z ]+-----\r?\n([\s\S]*?)-----END PGP [A-Z ]+-----/g)) {
    // Armor headers end at the first empty line; the line starting with "=" is the CRC24 checksum.
    const lines = m[1].split(/\r?\n/);
    const blank = lines.findIndex((l) => l.trim() === '');
    const body = lines.slice(blank + 1).filter((l) => l && !l.startsWith('='));
    out.push(Buffer.from(body.join(''), 'base64'));
  }
  return Buffer.concat(out);
}

/**
 * Verify an OpenPGP message against exactly these public keys (armored or binary, one buffer per
 * file). The keys form the only keyring gpg sees (--no-default-keyring), so any good signature is
 * by one of them; one gpg run, no import step.
 */
export async function gpgVerifyWithKeys(signature: Buffer, keys: Buffer[]): Promise<GpgVerifyResult> {
  const home = await mkdtemp(join(tmpdir(), 'tspod-gpgv-'));
  try {
    const ring = join(home, 'keys.gpg');
    await writeFile(ring, Buffer.concat(keys.map(dearmor)));
    return await gpgVerifyIn(home, signature, ['--no-default-keyring', '--keyring', ring]);
  } finally {
    await killAgent(home);
    await rm(home, { recursive: true, force: true });
  }
}

/** Verify with a given keyring (homeDir undefined: the user's GNUPGHOME), as skopeo standalone-verify does. */
export async function gpgVerifyIn(homeDir: string | undefined, signature: Buffer, extra: string[] = []): Promise<GpgVerifyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tspod-gpgo-'));
  try {
    const args = ['--batch', '--no-tty', '--status-fd', '2'];
    if (homeDir) args.push('--homedir', homeDir);
    args.push(...extra, '--output', join(dir, 'payload'), '--decrypt', '-');
    const r = await runGpg(args, signature);
    const st = parseVerifyStatus(r.stderr);
    if (st.problem || !st.valid) {
      throw new TspodError('SIGNATURE_REJECTED', st.problem ?? `invalid GPG signature: ${lastLine(r.stderr)}`);
    }
    const payload = await readFile(join(dir, 'payload'));
    return { payload, fingerprint: st.valid.fpr, primaryFingerprint: st.valid.primary };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
