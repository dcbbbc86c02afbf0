// A small Bearer token server for the token-auth fixture registry (distribution's "token" auth:
// the registry answers 401 with a realm, the client asks the realm for a JWT with basic
// credentials, the registry verifies the JWT against its rootcertbundle).
// Tokens are RS256 JWTs whose header carries the signing certificate (x5c). The server runs as its
// own process (token-server.mjs) so a test blocking its event loop cannot deadlock a login.
import { spawn } from 'node:child_process';
import { selfSignedCertificate } from './self-signed.ts';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

export interface TokenUser { username: string; password: string }

export interface TokenRequest { method: string; account?: string; scopes: string[]; authorized: boolean }

export interface TokenServer {
  /** Realm URL the registry announces, http://127.0.0.1:PORT/token */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file with the signing certificate (the registry's rootcertbundle). */
  certFile: string;
  /** Token requests seen so far (for tests asserting on scopes). */
  requests(): Promise<TokenRequest[]>;
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  users: TokenUser[];
  /** Directory for the key and certificate. */
  dir: string;
  service?: string;
  issuer?: string;
  /** Grant pull to requests without credentials (default false: anonymous gets no access). */
  anonymousPull?: boolean;
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const service = opts.service ?? 'tspod-test-registry';
  const issuer = opts.issuer ?? 'tspod-test-token-server';
  const keyFile = join(opts.dir, 'token.key');
  const certFile = join(opts.dir, 'token.crt');
  const cert = selfSignedCertificate('tspod-test-token');
  writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
  writeFileSync(certFile, cert.certPem);
  const config = JSON.stringify({ users: opts.users, keyFile, certFile, service, issuer, anonymousPull: !!opts.anonymousPull });
  writeFileSync(join(opts.dir, 'token-server.json'), config);
  const script = fileURLToPath(new URL('./token-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, config], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`token server exited with ${code}`)));
    child.once('error', reject);
  });
  // Neither keeps the test process alive; closing our end of stdin (or dying) stops the server.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    realm: `${base}/token`,
    service,
    issuer,
    certFile,
    async requests() {
      const res = await fetch(`${base}/requests`);
      return (await res.json()) as TokenRequest[];
    },
    async stop() {
      child.ref();
      child.stdin!.end();
      await exited;
    },
  };
}
