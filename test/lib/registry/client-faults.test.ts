// What a real registry does not do on request: 5xx and 429 answers, a connection reset in the
// middle of a blob, a redirect to another host, paginated tags. undici's MockAgent for answers,
// small node:http servers where the connection itself must misbehave.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { selfSignedCertificate } from '../../helpers/self-signed.ts';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { RegistryClient, RegistryError } from '../../../lib/registry/client.ts';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const json = { headers: { 'content-type': 'application/json' } };
const MAN = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] });

function mockRegistry() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('https://reg.test');
  pool.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}', json);
  const client = new RegistryClient({ registry: 'reg.test', ctx: { retryDelayMs: 1, retryTimes: 3 }, dispatcher: agent });
  return { agent, pool, client };
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; host: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, host: `127.0.0.1:${(server.address() as { port: number }).port}` };
}
const close = (s: Server) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });
const readAll = async (s: NodeJS.ReadableStream) => { const c: Buffer[] = []; for await (const x of s) c.push(x as Buffer); return Buffer.concat(c); };

test('5xx is retried with backoff until it succeeds', async () => {
  const { agent, pool, client } = mockRegistry();
  pool.intercept({ path: '/v2/r/manifests/latest', method: 'GET' }).reply(503, 'busy');
  pool.intercept({ path: '/v2/r/manifests/latest', method: 'GET' }).reply(500, '{"errors":[{"code":"UNKNOWN","message":"x"}]}', json);
  pool.intercept({ path: '/v2/r/manifests/latest', method: 'GET' }).reply(200, MAN, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  const m = await client.getManifest('r', 'latest', []);
  assert.is(m.digest, sha(Buffer.from(MAN)));
  agent.assertNoPendingInterceptors();
});

test('5xx gives up after retryTimes with the last status', async () => {
  const { pool, client } = mockRegistry();
  pool.intercept({ path: '/v2/r/manifests/latest', method: 'GET' }).reply(502, 'bad').times(4);
  const e = await client.getManifest('r', 'latest', []).then(() => undefined, (x) => x as RegistryError);
  assert.ok(e instanceof RegistryError);
  assert.is(e!.status, 502);
  assert.is(e!.message, 'received unexpected HTTP status: 502 Bad Gateway');
});

test('429 waits for Retry-After and retries; 4xx is not retried', async () => {
  const { agent, pool, client } = mockRegistry();
  pool.intercept({ path: '/v2/r/blobs/sha256:' + 'a'.repeat(64), method: 'HEAD' }).reply(429, '', { headers: { 'retry-after': '0' } });
  pool.intercept({ path: '/v2/r/blobs/sha256:' + 'a'.repeat(64), method: 'HEAD' }).reply(200, '', { headers: { 'content-length': '42' } });
  assert.is(await client.blobExists('r', 'sha256:' + 'a'.repeat(64)), 42);
  agent.assertNoPendingInterceptors();
  pool.intercept({ path: '/v2/r/manifests/x', method: 'GET' }).reply(403, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}', json);
  pool.intercept({ path: '/v2/r/manifests/x', method: 'GET' }).reply(200, MAN);
  const e = await client.getManifest('r', 'x', []).then(() => undefined, (x) => x as RegistryError);
  assert.is(e?.code, 'DENIED');
  assert.is(e?.message, 'denied: requested access to the resource is denied');
  assert.is(agent.pendingInterceptors().length, 1, 'the 403 was not retried');
});

test('tags list follows Link pagination', async () => {
  const { agent, pool, client } = mockRegistry();
  pool.intercept({ path: '/v2/r/tags/list?n=2', method: 'GET' })
    .reply(200, '{"name":"r","tags":["a","b"]}', { headers: { ...json.headers, link: '</v2/r/tags/list?n=2&last=b>; rel="next"' } });
  pool.intercept({ path: '/v2/r/tags/list?n=2&last=b', method: 'GET' })
    .reply(200, '{"name":"r","tags":["c"]}', { headers: { ...json.headers, link: '<https://reg.test/v2/r/tags/list?n=2&last=c>; rel="next"' } });
  pool.intercept({ path: '/v2/r/tags/list?n=2&last=c', method: 'GET' }).reply(200, '{"name":"r","tags":null}', json);
  assert.equal(await client.listTags('r', 2), ['a', 'b', 'c']);
  agent.assertNoPendingInterceptors();
});

test('a blob whose connection resets mid-body is resumed with a Range request', async () => {
  const blob = randomBytes(256 * 1024);
  const ranges: (string | undefined)[] = [];
  const { server, host } = await serve((req, res) => {
    if (req.url === '/v2/') { res.writeHead(200).end('{}'); return; }
    ranges.push(req.headers.range);
    const from = req.headers.range ? Number(/bytes=(\d+)-/.exec(req.headers.range)![1]) : 0;
    const part = blob.subarray(from);
    res.writeHead(from ? 206 : 200, { 'content-length': part.length, 'accept-ranges': 'bytes',
      ...(from ? { 'content-range': `bytes ${from}-${blob.length - 1}/${blob.length}` } : {}) });
    if (ranges.length === 1) {
      res.write(part.subarray(0, 100_000), () => setTimeout(() => req.socket.destroy(), 20));
    } else res.end(part);
  });
  const client = new RegistryClient({ registry: host, ctx: { retryDelayMs: 1 } });
  try {
    const { stream, size } = await client.getBlob('r', sha(blob));
    assert.is(size, blob.length);
    const got = await readAll(stream);
    assert.ok(got.equals(blob), `got ${got.length} bytes`);
    assert.is(ranges.length, 2);
    assert.is(ranges[0], undefined);
    assert.match(ranges[1]!, /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(ranges[1]!)![0]) >= 1, 'resumed past the start');
  } finally {
    await client.close();
    await close(server);
  }
});

test('without range support a reset blob errors instead of delivering short data', async () => {
  const blob = randomBytes(200 * 1024);
  const { server, host } = await serve((req, res) => {
    if (req.url === '/v2/') { res.writeHead(200).end('{}'); return; }
    res.writeHead(200, { 'content-length': blob.length });
    res.write(blob.subarray(0, 50_000), () => setTimeout(() => req.socket.destroy(), 20));
  });
  const client = new RegistryClient({ registry: host, ctx: { retryDelayMs: 1 } });
  try {
    const { stream } = await client.getBlob('r', sha(blob));
    const e = await readAll(stream).then(() => undefined, (x) => x as Error);
    assert.ok(e, 'short blob delivered without an error');
    assert.match(e!.message, /^reading blob sha256:[0-9a-f]{64}: /);
  } finally {
    await client.close();
    await close(server);
  }
});

test('a blob redirect is followed without sending the registry credentials to the other host', async () => {
  const blob = Buffer.from('redirected blob');
  let storageAuth: string | undefined = 'unset';
  const storage = await serve((req, res) => { storageAuth = req.headers.authorization; res.writeHead(200, { 'content-length': blob.length }).end(blob); });
  let registryAuth: string | undefined;
  const reg = await serve((req, res) => {
    if (!req.headers.authorization) { res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end(); return; }
    registryAuth = req.headers.authorization;
    if (req.url === '/v2/') { res.writeHead(200).end('{}'); return; }
    res.writeHead(307, { location: `http://${storage.host}/bucket/x?sig=SECRET` }).end();
  });
  const client = new RegistryClient({ registry: reg.host, ctx: { credentials: { username: 'u', password: 'p' } } });
  try {
    const { stream } = await client.getBlob('r', sha(blob));
    assert.ok((await readAll(stream)).equals(blob));
    assert.is(registryAuth, 'Basic ' + Buffer.from('u:p').toString('base64'));
    assert.is(storageAuth, undefined);
  } finally {
    await client.close();
    await close(storage.server);
    await close(reg.server);
  }
});

test('an expired bearer token is replaced once on 401', async () => {
  let tokens = 0;
  const tokenSrv = await serve((_req, res) => { tokens++; res.writeHead(200, json.headers).end(JSON.stringify({ token: `t${tokens}` })); });
  const challenge = `Bearer realm="http://${tokenSrv.host}/token",service="s"`;
  const reg = await serve((req, res) => {
    // only the second token is accepted: the first "expired"
    if (req.headers.authorization !== 'Bearer t2') { res.writeHead(401, { 'www-authenticate': challenge }).end(); return; }
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(MAN);
  });
  const client = new RegistryClient({ registry: reg.host });
  try {
    const m = await client.getManifest('r', 'latest', []);
    assert.is(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.is(tokens, 2);
  } finally {
    await client.close();
    await close(tokenSrv.server);
    await close(reg.server);
  }
});

test('TLS: a self-signed registry needs --tls-verify=false or its CA in the cert dir; verify=true refuses http', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-tls-'));
  const cert = selfSignedCertificate('127.0.0.1', ['127.0.0.1']);
  writeFileSync(join(dir, 'key.pem'), cert.keyPem);
  writeFileSync(join(dir, 'cert.pem'), cert.certPem);
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    if (req.url === '/v2/') { res.writeHead(200).end('{}'); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"r","tags":["t"]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const clients: RegistryClient[] = [];
  const mk = (ctx: object, insecure = false) => { const c = new RegistryClient({ registry: host, insecure, ctx: { retryTimes: 0, ...ctx } }); clients.push(c); return c; };
  try {
    const strict = await mk({ tlsVerify: true }).listTags('r').then(() => undefined, (e) => e as RegistryError);
    assert.ok(strict, 'unverified certificate accepted');
    assert.match(strict!.message, new RegExp(`^pinging container registry ${host}: .*(self.signed|certificate)`, 'i'));
    assert.equal(await mk({ tlsVerify: false }).listTags('r'), ['t']);
    assert.equal(await mk({}, true).listTags('r'), ['t']);
    const certs = join(dir, 'certs.d');
    mkdirSync(certs);
    copyFileSync(join(dir, 'cert.pem'), join(certs, 'ca.crt'));
    assert.equal(await mk({ tlsVerify: true, certDir: certs }).listTags('r'), ['t']);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an insecure registry that speaks plain http is found without a TLS handshake first', async () => {
  const { createServer: createTcpServer } = await import('node:net');
  let handshakes = 0;
  const server = createTcpServer((sock) => {
    sock.once('data', (d) => {
      if (d[0] === 0x16) { handshakes++; sock.destroy(); return; } // a TLS ClientHello
      sock.end('HTTP/1.1 200 OK\r\nDocker-Distribution-API-Version: registry/2.0\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const c = new RegistryClient({ registry: host, insecure: true, ctx: { retryTimes: 0 } });
  try {
    await c.ping();
    assert.is(handshakes, 0);
  } finally {
    await c.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('--tls-verify=true on a plain-http loopback registry fails instead of falling back to http', async () => {
  const { server, host } = await serve((_req, res) => res.writeHead(200).end('{}'));
  const c = new RegistryClient({ registry: host, ctx: { tlsVerify: true, retryTimes: 0 } });
  try {
    const e = await c.catalog().then(() => undefined, (x) => x as RegistryError);
    assert.ok(e, 'fell back to http');
    assert.match(e!.message, new RegExp(`^pinging container registry ${host}: `));
    const plain = new RegistryClient({ registry: host, ctx: {} });
    await plain.ping();
    await plain.close();
  } finally {
    await c.close();
    await close(server);
  }
});

test.run();
