// The token server process (see token-server.ts, which starts it). Plain JS so it starts fast and
// runs in its own process: a test that blocks its event loop (execFileSync podman login ...) must
// not block the token server too.
// Usage: node token-server.mjs '{"users":[...],"keyFile":..,"certFile":..,"service":..,"issuer":..,"anonymousPull":false}'
// Prints "PORT\n" on stdout when listening; exits when stdin closes.
import { createServer } from 'node:http';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

const opts = JSON.parse(process.argv[2]);
const key = createPrivateKey(readFileSync(opts.keyFile));
const certDer = new X509Certificate(readFileSync(opts.certFile)).raw;
const requests = [];
const b64url = (b) => Buffer.from(b).toString('base64url');

/** "repository:name:pull,push" -> parts (names never contain ':' but registry:catalog:* is fine too). */
function parseScope(scope) {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function basicCredentials(req) {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const s = Buffer.from(h.slice(6).trim(), 'base64').toString();
  const i = s.indexOf(':');
  return i < 0 ? undefined : { username: s.slice(0, i), password: s.slice(i + 1) };
}

function issue(account, scopes) {
  const now = Math.floor(Date.now() / 1000);
  const access = scopes.map(parseScope).filter(Boolean).map((s) => ({
    type: s.type,
    name: s.name,
    // An authenticated user gets what it asked for; anonymous gets pull only when allowed.
    actions: account ? s.actions : opts.anonymousPull ? s.actions.filter((a) => a === 'pull') : [],
  }));
  // x5c: the registry verifies this chain against its rootcertbundle (the same certificate).
  const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
  const claims = { iss: opts.issuer, sub: account ?? '', aud: opts.service, exp: now + 300, nbf: now - 10, iat: now,
    jti: randomBytes(8).toString('hex'), access };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/requests') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(requests));
    return;
  }
  if (url.pathname !== '/token') { res.writeHead(404).end(); return; }
  let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
  let creds = basicCredentials(req);
  if (req.method === 'POST') {
    // OAuth2 password grant (docker's token flow with a form body).
    let body = '';
    for await (const c of req) body += c;
    const form = new URLSearchParams(body);
    if (form.get('grant_type') === 'password') creds = { username: form.get('username') ?? '', password: form.get('password') ?? '' };
    scopes = scopes.concat((form.get('scope') ?? '').split(' ').filter(Boolean));
  }
  let account;
  if (creds) {
    const ok = opts.users.some((u) => u.username === creds.username && u.password === creds.password);
    requests.push({ method: req.method, account: creds.username, scopes, authorized: ok });
    if (!ok) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    account = creds.username;
  } else {
    requests.push({ method: req.method, scopes, authorized: false });
  }
  const token = issue(account, scopes);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
}

const server = createServer((req, res) => { handle(req, res).catch(() => res.writeHead(500).end()); });
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
