// The bare-socket GET for blob bodies (lib/registry/bulk-get.ts) against small servers that answer
// byte for byte as told: exact bodies, bodies cut short, answers it leaves to node:http, and
// getBlob through it (a chunked answer falls back to node:http and still gives the blob).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { bulkGet } from '../../../lib/registry/bulk-get.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';

/** A server that writes `answer(requestHead)` on each connection, then ends it unless `keep`. */
async function raw(answer: (head: string, sock: Socket) => void): Promise<{ server: Server; url: (p: string) => URL; heads: string[] }> {
  const heads: string[] = [];
  const server = createServer((sock) => {
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0 && heads.length < 100) {
        heads.push(got.slice(0, end));
        got = '';
        answer(heads[heads.length - 1], sock);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, heads, url: (p) => new URL(`http://127.0.0.1:${port}${p}`) };
}
const close = (s: { close(cb: () => void): void }) => new Promise<void>((r) => s.close(() => r()));
const readAll = async (s: NodeJS.ReadableStream) => { const c: Buffer[] = []; for await (const x of s) c.push(x as Buffer); return Buffer.concat(c); };

test('a Content-Length body arrives whole, headers as node:http gives them', async () => {
  const blob = randomBytes(3 << 20);
  const s = await raw((_h, sock) => {
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: ' + blob.length + '\r\nDocker-Content-Digest: x\r\nWWW-Authenticate: Basic a\r\nWWW-Authenticate: Bearer b\r\n\r\n');
    sock.end(blob);
  });
  try {
    const r = await bulkGet(s.url('/v2/r/blobs/d?x=1'), { 'user-agent': 'ua', range: 'bytes=5-' }, 10_000);
    assert.ok(r);
    assert.is(r!.statusCode, 200);
    assert.is(r!.headers['docker-content-digest'], 'x');
    assert.equal(r!.headers['www-authenticate'], ['Basic a', 'Bearer b']);
    assert.ok((await readAll(r!.body)).equals(blob));
    assert.match(s.heads[0], /^GET \/v2\/r\/blobs\/d\?x=1 HTTP\/1\.1\r\n/);
    assert.match(s.heads[0], /\r\nuser-agent: ua(\r\n|$)/);
    assert.match(s.heads[0], /\r\nrange: bytes=5-(\r\n|$)/);
  } finally {
    await close(s.server);
  }
});

test('a body cut short errors as a reset connection; one without length ends with the connection', async () => {
  const s = await raw((head, sock) => {
    if (head.includes('/short')) sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    else sock.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
  });
  try {
    const short = await bulkGet(s.url('/short'), {}, 10_000);
    const err = await readAll(short!.body).then(() => undefined, (e: Error & { code?: string }) => e);
    assert.is(err?.code, 'ECONNRESET');
    const open = await bulkGet(s.url('/open'), {}, 10_000);
    assert.is((await readAll(open!.body)).toString(), 'until the end');
  } finally {
    await close(s.server);
  }
});

test('chunked or malformed answers are left to node:http; a refused connection rejects', async () => {
  const s = await raw((head, sock) => {
    if (head.includes('/chunked')) sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    else sock.end('SSH-2.0-OpenSSH\r\n\r\n');
  });
  try {
    assert.is(await bulkGet(s.url('/chunked'), {}, 10_000), undefined);
    assert.is(await bulkGet(s.url('/other'), {}, 10_000), undefined);
  } finally {
    await close(s.server);
  }
  const err = await bulkGet(s.url('/gone'), {}, 10_000).then(() => undefined, (e: Error & { code?: string }) => e);
  assert.is(err?.code, 'ECONNREFUSED');
});

test('getBlob gives the blob from a registry that answers chunked (node:http reads it)', async () => {
  const blob = randomBytes(1 << 20);
  const digest = 'sha256:' + createHash('sha256').update(blob).digest('hex');
  const server = createHttpServer((req, res) => {
    if (req.url === '/v2/') return void res.end('{}');
    res.writeHead(200, { 'transfer-encoding': 'chunked' });
    res.write(blob.subarray(0, 1000));
    res.end(blob.subarray(1000));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new RegistryClient({ registry: `127.0.0.1:${(server.address() as { port: number }).port}`, ctx: { retryTimes: 0 } });
  try {
    const { stream } = await client.getBlob('r', digest);
    assert.ok((await readAll(stream)).equals(blob));
  } finally {
    await client.close();
    server.closeAllConnections();
    await close(server);
  }
});

test.run();
