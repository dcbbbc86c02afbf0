// Docker schema 1 data helpers: parsing, the JWS payload digest, layer order, the converted config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { parseSchema1, schema1Digest, schema1InspectConfig, schema1Layers, schema1Payload, schema1ToSchema2Config } from '../../../lib/oci/schema1.ts';

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

test.run();
