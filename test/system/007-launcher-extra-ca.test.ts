// NODE_EXTRA_CA_CERTS: the launcher keeps node from parsing it at start-up (it cost ~40 ms of every
// command) and lib/registry trusts it when it opens a TLS connection. A registry whose certificate
// only that file vouches for must work through bin/tspod, and must fail without the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createServer } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedCertificate } from '../helpers/self-signed.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = join(root, 'bin/tspod');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(TSPOD, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

test('a registry trusted only through NODE_EXTRA_CA_CERTS works; node never sees the variable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-extra-ca-'));
  const cert = selfSignedCertificate('127.0.0.1', ['127.0.0.1']);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert.certPem);
  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/v2/') return res.end('{}');
    if (req.url?.startsWith('/v2/extra/ca/tags/list')) return res.end(JSON.stringify({ name: 'extra/ca', tags: ['one', 'two'] }));
    res.statusCode = 404;
    res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'unknown' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ref = `docker://127.0.0.1:${(server.address() as AddressInfo).port}/extra/ca`;
  const base: NodeJS.ProcessEnv = { ...process.env, HOME: dir, REGISTRIES_CONFIG_PATH: join(dir, 'none.conf') };
  delete base.NODE_EXTRA_CA_CERTS;
  try {
    const trusted = await run(['skopeo', 'list-tags', '--tls-verify=true', ref], { ...base, NODE_EXTRA_CA_CERTS: caFile });
    assert.is(trusted.code, 0, trusted.err);
    assert.equal(JSON.parse(trusted.out).Tags, ['one', 'two']);

    const untrusted = await run(['skopeo', 'list-tags', '--tls-verify=true', ref], base);
    assert.is.not(untrusted.code, 0, 'without the CA file the certificate must be refused');

    // node gets the file under another name (TSPOD_NODE here is a script that prints its environment)
    const fakeNode = join(dir, 'node.sh');
    writeFileSync(fakeNode, '#!/bin/sh\nenv\n', { mode: 0o755 });
    const env = await run(['version'], { ...base, NODE_EXTRA_CA_CERTS: caFile, TSPOD_NODE: fakeNode });
    assert.is(env.code, 0, env.err);
    assert.match(env.out, new RegExp(`^_TSPOD_EXTRA_CA_CERTS=${caFile}$`, 'm'));
    assert.not.match(env.out, /^NODE_EXTRA_CA_CERTS=/m);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
