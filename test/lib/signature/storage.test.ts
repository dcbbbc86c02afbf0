// registries.d lookup and lookaside signature storage (file:// read/write, http:// read).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadRegistriesD, lookasideBase, useSigstoreAttachments } from '../../../lib/signature/registries-d.ts';
import { attachmentTag, dockerTarget, getDockerSignatures, putDockerSignatures } from '../../../lib/signature/storage.ts';
import { signatureToBlob } from '../../../lib/signature/blob.ts';
import { TspodError } from '../../../lib/errors.ts';

let dir: string;
const DIGEST = 'sha256:' + 'ab'.repeat(32);
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tspod-regd-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function regd(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

test('registries.d: most specific namespace, field fallback, default-docker, old key names', async () => {
  const d = regd('cfg', {
    'a.yaml': 'default-docker:\n  lookaside: file:///default\n  use-sigstore-attachments: false\n',
    'b.yaml': 'docker:\n  example.com:\n    lookaside: https://sigs.example.com\n    use-sigstore-attachments: true\n  example.com/ns:\n    lookaside-staging: file:///staging\n  old.io:\n    sigstore: file:///old\n',
    'ignored.txt': 'not: [yaml',
  });
  const cfg = await loadRegistriesD(d);
  const t = dockerTarget('example.com/ns/app:1');
  assert.is(lookasideBase(cfg, t.identity, t.namespaces, false), 'https://sigs.example.com');
  assert.is(lookasideBase(cfg, t.identity, t.namespaces, true), 'file:///staging');
  assert.is(useSigstoreAttachments(cfg, t.identity, t.namespaces), true);
  const q = dockerTarget('quay.io/x/y:1');
  assert.is(lookasideBase(cfg, q.identity, q.namespaces, true), 'file:///default');
  assert.is(useSigstoreAttachments(cfg, q.identity, q.namespaces), false);
  const o = dockerTarget('old.io/z');
  assert.is(lookasideBase(cfg, o.identity, o.namespaces, false), 'file:///old');
  assert.is(attachmentTag(DIGEST), 'sha256-' + 'ab'.repeat(32) + '.sig');
});

test('registries.d: a namespace defined twice and bad YAML are errors naming the files', async () => {
  const d = regd('dup', { '1.yaml': 'docker:\n  x.io:\n    lookaside: file:///a\n', '2.yaml': 'docker:\n  x.io:\n    lookaside: file:///b\n' });
  try {
    await loadRegistriesD(d);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /"x\.io" defined both in ".*1\.yaml" and ".*2\.yaml"/);
  }
  const bad = regd('bad', { 'x.yaml': 'docker: [unclosed\n' });
  try {
    await loadRegistriesD(bad);
    assert.unreachable();
  } catch (e) {
    assert.is((e as TspodError).code, 'INVALID_REGISTRIES_D');
    assert.match((e as Error).message, /x\.yaml/);
  }
});

test('lookaside file://: write, read back in order, rewrite drops stale ones; layout as containers/image', async () => {
  const store = join(dir, 'sigs');
  const d = regd('file', { 'l.yaml': `docker:\n  127.0.0.1:5000:\n    lookaside: file://${store}\n` });
  const ctx = { registriesDir: d };
  const ref = '127.0.0.1:5000/ns/app:1';
  const sigs = [Buffer.from([0xa3, 1, 2]), Buffer.from([0xa3, 3, 4])];
  await putDockerSignatures(ref, DIGEST, sigs, ctx);
  const base = join(store, 'ns/app@sha256=' + 'ab'.repeat(32));
  assert.equal(readFileSync(join(base, 'signature-1')), sigs[0]);
  assert.equal(await getDockerSignatures(ref, DIGEST, ctx), sigs);
  await putDockerSignatures(ref, DIGEST, [sigs[1]], ctx);
  assert.equal(await getDockerSignatures(ref, DIGEST, ctx), [sigs[1]]);
  assert.ok(!existsSync(join(base, 'signature-2')));
  assert.equal(await getDockerSignatures('127.0.0.1:5000/ns/none:1', DIGEST, ctx), []);
});

test('lookaside http://: read until 404; writing there is refused; sigstore needs attachments enabled', async () => {
  const served = new Map([['/sigs/ns/app@sha256=' + 'ab'.repeat(32) + '/signature-1', Buffer.from([0xa3, 9])]]);
  const server: Server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const d = regd('http', { 'h.yaml': `docker:\n  127.0.0.1:5000:\n    lookaside: http://127.0.0.1:${port}/sigs\n` });
    const ctx = { registriesDir: d };
    assert.equal(await getDockerSignatures('127.0.0.1:5000/ns/app:1', DIGEST, ctx), [Buffer.from([0xa3, 9])]);
    try {
      await putDockerSignatures('127.0.0.1:5000/ns/app:1', DIGEST, [Buffer.from([0xa3, 1])], ctx);
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, /only file:\/\/ lookaside URLs can be written/);
    }
    const sigstore = signatureToBlob({ format: 'sigstore-json', mimeType: 'application/vnd.dev.cosign.simplesigning.v1+json', payload: Buffer.from('{}'), annotations: {} });
    try {
      await putDockerSignatures('127.0.0.1:5000/ns/app:1', DIGEST, [sigstore], ctx);
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, /sigstore attachments is disabled by configuration/);
    }
  } finally {
    server.close();
  }
});

test.run();
