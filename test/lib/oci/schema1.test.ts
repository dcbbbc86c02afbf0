// Docker schema 1 data helpers: parsing, the JWS payload digest, layer order, the converted config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { GZIPPED_EMPTY_LAYER_DIGEST, parseSchema1, schema1Digest, schema1FromImage, signSchema1, schema1InspectConfig, schema1Layers, schema1Payload, schema1ToSchema2Config } from '../../../lib/oci/schema1.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const compat = [
  { id: 'top', parent: 'base', created: '2024-01-02T00:00:00.500000000Z', container_config: { Cmd: ['/bin/sh', '-c', 'echo <x>'] }, config: { Env: ['A=1'] }, architecture: 'amd64', os: 'linux', throwaway: true },
  { id: 'base', created: '2024-01-01T00:00:00Z', author: 'me', container_config: { Cmd: ['ADD', 'x'] } },
];
const unsigned = { name: 'n', tag: 't', architecture: 'amd64', fsLayers: [{ blobSum: d('a') }, { blobSum: d('b') }], history: compat.map((c) => ({ v1Compatibility: JSON.stringify(c) })), schemaVersion: 1 };

test('a signed manifest\'s digest is that of its payload; an unsigned one\'s of its bytes', () => {
  const payload = JSON.stringify(unsigned);
  const prot = Buffer.from(JSON.stringify({ formatLength: payload.length - 1, formatTail: Buffer.from('}').toString('base64url') })).toString('base64url');
  const signed = Buffer.from(payload.slice(0, -1) + `,"signatures":[{"header":{},"signature":"x","protected":"${prot}"}]}`);
  assert.is(schema1Payload(signed).toString(), payload);
  assert.is(schema1Digest(signed), `sha256:${createHash('sha256').update(payload).digest('hex')}`);
  assert.is(schema1Digest(Buffer.from(payload)), `sha256:${createHash('sha256').update(payload).digest('hex')}`);
});

test('layers bottom first with their empty flag; bad manifests refused', () => {
  const { m, compat: c } = parseSchema1(Buffer.from(JSON.stringify(unsigned)));
  assert.equal(schema1Layers(m, c), [{ digest: d('b'), empty: false }, { digest: d('a'), empty: true }]);
  assert.throws(() => parseSchema1(Buffer.from(JSON.stringify({ ...unsigned, history: [] }))), /length of history not equal to number of layers/);
  assert.throws(() => parseSchema1(Buffer.from('{"schemaVersion":2}')), /invalid schema 1 manifest/);
});

test('the config as containers/image converts it: v1 ids dropped, keys sorted, history bottom first', () => {
  const cfg = schema1ToSchema2Config(compat, [d('c')]).toString();
  assert.is(cfg, '{"architecture":"amd64","config":{"Env":["A=1"]},"container_config":{"Cmd":["/bin/sh","-c","echo \\u003cx\\u003e"]},"created":"2024-01-02T00:00:00.500000000Z",'
    + `"history":[{"created":"2024-01-01T00:00:00Z","created_by":"ADD x","author":"me"},{"created":"2024-01-02T00:00:00.5Z","created_by":"/bin/sh -c echo \\u003cx\\u003e","empty_layer":true}],`
    + `"os":"linux","rootfs":{"type":"layers","diff_ids":["${d('c')}"]}}`);
  assert.match(schema1InspectConfig(Buffer.from(JSON.stringify(unsigned))).toString(), /"diff_ids":\[""\]/);
});

test('writing: one entry per history entry, empty layers as the empty gzip, v1 ids chained; a JWS that verifies', () => {
  const config = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Env: ['X=<y>'] }, rootfs: { type: 'layers', diff_ids: [d('c')] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'ADD x' }, { created: '2024-01-02T00:00:00Z', created_by: 'ENV X', empty_layer: true }] }));
  const payload = schema1FromImage(config, [d('a')], 'library/x', 'v1');
  const { m, compat: c } = parseSchema1(payload);
  assert.is(m.name, 'library/x');
  assert.is(m.tag, 'v1');
  assert.is(m.architecture, 'arm64');
  assert.equal(m.fsLayers.map((l) => l.blobSum), [GZIPPED_EMPTY_LAYER_DIGEST, d('a')]);
  const base = createHash('sha256').update(`${'a'.repeat(64)} `).digest('hex');
  assert.is(c[1].id, base);
  assert.equal(c[1].container_config, { Cmd: ['ADD x'] });
  assert.is(c[0].parent, base);
  assert.is(c[0].throwaway, true);
  assert.is(c[0].id, createHash('sha256').update(`${GZIPPED_EMPTY_LAYER_DIGEST.slice(7)} ${base} ${config}`).digest('hex'));
  assert.not.ok('rootfs' in c[0] || 'history' in c[0]);
  assert.ok(payload.toString().includes(String.raw`X=\\u003cy\\u003e`), 'Go escapes < and > twice over');

  const signed = signSchema1(payload);
  assert.is(schema1Payload(signed).toString(), payload.toString());
  const sig = JSON.parse(signed.toString()).signatures[0];
  assert.match(sig.header.jwk.kid, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: sig.header.jwk.x, y: sig.header.jwk.y }, format: 'jwk' });
  const input = Buffer.from(`${sig.protected}.${payload.toString('base64url')}`);
  assert.ok(verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.signature, 'base64url')));
});

test.run();
