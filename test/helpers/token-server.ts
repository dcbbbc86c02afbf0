// A small Bearer token server for the token-auth fixture registry (the distribution "token" auth
// flow: registry answers 401 with a realm, the client asks the realm for a JWT with basic
// credentials, the registry verifies the JWT against its rootcertbundle).
// Tokens are RS256 JWTs whose header carries the signing certificate as x5c; the registry checks
// that chain against the same certificate in its rootcertbundle.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenUser { username: string; password: string }

export interface TokenServer {
  /** Realm URL the registry announces, http://127.0.0.1:PORT/token */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file with the signing certificate (the registry's rootcertbundle). */
  certFile: string;
  /** Requests seen, for tests that assert on scopes asked for. */
  requests: { account?: string; scopes: string[]; authorized: boolean }[];
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

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Parse "repository:name:pull,push" (the name may contain ':' only for registry:catalog:*). */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function basicCredentials(req: IncomingMessage): TokenUser | undefined {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const s = Buffer.from(h.slice(6).trim(), 'base64').toString();
  const i = s.indexOf(':');
  if (i < 0) return undefined;
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const service = opts.service ?? 'tspod-test-registry';
  const issuer = opts.issuer ?? 'tspod-test-token-server';
  const keyFile = join(opts.dir, 'token.key');
  const certFile = join(opts.dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=tspod-test-token'], { stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = new X509Certificate(readFileSync(certFile)).raw;
  const requests: TokenServer['requests'] = [];

  function issue(account: string | undefined, scopes: string[]): string {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map(parseScope).filter((s) => s !== undefined).map((s) => ({
      type: s!.type,
      name: s!.name,
      // An authenticated user gets what it asked for; anonymous gets pull only when allowed.
      actions: account ? s!.actions : opts.anonymousPull ? s!.actions.filter((a) => a === 'pull') : [],
    }));
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: account ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now,
      jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') { res.writeHead(404).end(); return; }
    let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    let creds = basicCredentials(req);
    if (req.method === 'POST') {
      // OAuth2 password grant (docker's "token" flow with a form body).
      let body = '';
      for await (const c of req) body += c;
      const form = new URLSearchParams(body);
      if (form.get('grant_type') === 'password') creds = { username: form.get('username') ?? '', password: form.get('password') ?? '' };
      scopes = scopes.concat((form.get('scope') ?? '').split(' ').filter(Boolean));
    }
    let account: string | undefined;
    if (creds) {
      const ok = opts.users.some((u) => u.username === creds!.username && u.password === creds!.password);
      requests.push({ account: creds.username, scopes, authorized: ok });
      if (!ok) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      account = creds.username;
    } else {
      requests.push({ scopes, authorized: false });
    }
    const token = issue(account, scopes);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => { res.writeHead(500).end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Tests that forget stop() must still be able to exit.
  server.unref();
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
