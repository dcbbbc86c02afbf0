import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy, parsePolicy, requirementsFor, INSECURE_POLICY, policyContext } from '../../../lib/signature/policy.ts';
import { TspodError } from '../../../lib/errors.ts';
import type { ImageReference, ImageSource, ImageTransport } from '../../../lib/transports/types.ts';

function fakeRef(transport: string, identity: string, namespaces: string[], dockerRef?: string): ImageReference {
  const t = { name: transport, parseReference: () => { throw new Error('unexpected call'); } } as ImageTransport;
  const no = () => { throw new Error('unexpected call'); };
  return {
    transport: t,
    stringWithinTransport: () => (transport === 'docker' ? `//${identity}` : identity),
    dockerReference: () => dockerRef,
    policyConfigurationIdentity: () => identity,
    policyConfigurationNamespaces: () => namespaces,
    newImageSource: no, newImageDestination: no, deleteImage: no,
  };
}

function fakeSource(ref: ImageReference, manifest = Buffer.from('{}'), signatures: Buffer[] = []): ImageSource {
  return {
    reference: ref,
    getManifest: async () => ({ bytes: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }),
    getBlob: () => { throw new Error('unexpected call'); },
    getSignatures: async () => signatures,
    close: async () => {},
  };
}

function errorOf(fn: () => unknown): TspodError {
  try {
    fn();
  } catch (e) {
    return e as TspodError;
  }
  throw new Error('did not throw');
}

test('parses every requirement and identity type', () => {
  const p = parsePolicy(JSON.stringify({
    default: [{ type: 'reject' }],
    transports: {
      docker: {
        '': [{ type: 'insecureAcceptAnything' }],
        'example.com': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg' }],
        'example.com/ns': [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: ['/a', '/b'], signedIdentity: { type: 'matchRepository' } }],
        'example.com/ns/app:1': [{ type: 'sigstoreSigned', keyData: 'AAAA', signedIdentity: { type: 'remapIdentity', prefix: 'a.com', signedPrefix: 'b.com' } }],
        '*.example.org': [{ type: 'sigstoreSigned', keyPath: '/p.pub', signedIdentity: { type: 'exactRepository', dockerRepository: 'x.io/y' } }],
      },
      dir: { '': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'AAAA', signedIdentity: { type: 'exactReference', dockerReference: 'x.io/y:1' } }] },
    },
  }), 'p.json');
  assert.equal(p.default, [{ type: 'reject' }]);
  assert.equal(p.transports.docker['example.com'][0], { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg', signedIdentity: { type: 'matchRepoDigestOrExact' } });
  assert.is(p.transports.dir[''][0].type, 'signedBy');
});

test('syntax errors name the file, line and column', () => {
  const e = errorOf(() => parsePolicy('{\n  "default": [\n    {"type": }\n  ]\n}\n', '/etc/x/policy.json'));
  assert.is(e.code, 'INVALID_POLICY');
  assert.match(e.message, /"\/etc\/x\/policy\.json": line 3, column 14/);
  const dup = errorOf(() => parsePolicy('{"default": [], "default": []}', 'p.json'));
  assert.match(dup.message, /line 1, column 17: duplicate key "default"/);
  assert.match(errorOf(() => parsePolicy('{"default": [', 'p.json')).message, /line 1, column 14: unexpected end of input/);
});

test('semantic errors name the place (line, column and JSON path)', () => {
  const text = '{\n  "default": [{"type": "reject"}],\n  "transports": {"docker": {"example.com": [\n    {"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "bogus": 1}\n  ]}}\n}';
  const e = errorOf(() => parsePolicy(text, 'p.json'));
  assert.match(e.message, /line 4, column 65 \(transports\.docker\["example\.com"\]\[0\]\.bogus\): unknown field "bogus"/);
  assert.match(errorOf(() => parsePolicy('{"default": [{"type": "nope"}]}', 'p.json')).message, /default\[0\]\.type\): unknown policy requirement type "nope"/);
  assert.match(errorOf(() => parsePolicy('{"default": []}', 'p.json')).message, /no policy requirements/);
  assert.match(errorOf(() => parsePolicy('{"transports": {}}', 'p.json')).message, /missing field "default"/);
  assert.match(errorOf(() => parsePolicy('{"default": [{"type": "signedBy", "keyType": "GPGKeys"}]}', 'p.json')).message, /exactly one of keyPath, keyPaths and keyData/);
  assert.match(errorOf(() => parsePolicy('{"default": [{"type": "signedBy", "keyType": "X509", "keyPath": "/k"}]}', 'p.json')).message, /unsupported keyType "X509"/);
  assert.match(errorOf(() => parsePolicy('{"default": [{"type": "insecureAcceptAnything", "signedIdentity": {}}]}', 'p.json')).message, /unknown field "signedIdentity"/);
  const scope = (t: string, sc: string) => JSON.stringify({ default: [{ type: 'reject' }], transports: { [t]: { [sc]: [{ type: 'reject' }] } } });
  assert.match(errorOf(() => parsePolicy(scope('docker', 'https://example.com'), 'p.json')).message, /\(transports\.docker\["https:\/\/example\.com"\]\): invalid scope .*scheme/);
  assert.match(errorOf(() => parsePolicy(scope('docker', 'example.com/UPPER'), 'p.json')).message, /invalid scope/);
  assert.match(errorOf(() => parsePolicy(scope('dir', 'relative/path'), 'p.json')).message, /must be an absolute path/);
  for (const ok of ['example.com', 'example.com:5000/ns', 'example.com/ns/app:1', '*.example.com', 'localhost/x@sha256:' + 'a'.repeat(64)]) parsePolicy(scope('docker', ok), 'p.json');
  parsePolicy(scope('dir', '/srv/images'), 'p.json');
  parsePolicy(scope('some-future-transport', 'anything'), 'p.json');
});

test('scope lookup: most specific docker scope, then "", then default', () => {
  const p = parsePolicy(JSON.stringify({
    default: [{ type: 'reject' }],
    transports: {
      docker: {
        '': [{ type: 'insecureAcceptAnything' }],
        'example.com': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/host' }],
        'example.com/ns': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/ns' }],
        'example.com/ns/app:1': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/tag' }],
        '*.example.org': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/wild' }],
      },
    },
  }), 'p.json');
  const key = (identity: string, ns: string[]) => {
    const r = requirementsFor(p, fakeRef('docker', identity, ns));
    return r[0].type === 'signedBy' ? r[0].keyPath : r[0].type;
  };
  assert.is(key('example.com/ns/app:1', ['example.com/ns/app', 'example.com/ns', 'example.com']), '/tag');
  assert.is(key('example.com/ns/app:2', ['example.com/ns/app', 'example.com/ns', 'example.com']), '/ns');
  assert.is(key('example.com/other/app:2', ['example.com/other/app', 'example.com/other', 'example.com']), '/host');
  assert.is(key('reg.example.org/x:1', ['reg.example.org/x', 'reg.example.org']), '/wild');
  assert.is(key('quay.io/x:1', ['quay.io/x', 'quay.io']), 'insecureAcceptAnything');
  assert.is(requirementsFor(p, fakeRef('dir', '/tmp/x', ['/tmp']))[0].type, 'reject');
});

test('checkImage: insecureAcceptAnything accepts, reject and missing signatures refuse with skopeo messages', async () => {
  const ref = fakeRef('docker', 'example.com/a:1', ['example.com/a', 'example.com'], 'example.com/a:1');
  await policyContext(INSECURE_POLICY).checkImage(fakeSource(ref));
  const rej = policyContext(parsePolicy('{"default":[{"type":"reject"}]}', 'p.json'));
  try {
    await rej.checkImage(fakeSource(ref));
    assert.unreachable();
  } catch (e) {
    assert.is((e as TspodError).code, 'POLICY_REJECTED');
    assert.is((e as Error).message, 'Source image rejected: Running image docker://example.com/a:1 is rejected by policy.');
  }
  const dir = mkdtempSync(join(tmpdir(), 'tspod-policy-'));
  try {
    writeFileSync(join(dir, 'k.gpg'), 'not really a key');
    const signed = policyContext(parsePolicy(JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: join(dir, 'k.gpg') }] }), 'p.json'));
    try {
      await signed.checkImage(fakeSource(ref));
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, 'Source image rejected: A signature was required, but no signature exists');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadPolicy: missing file and --insecure-policy', async () => {
  try {
    await loadPolicy('/nonexistent/policy.json');
    assert.unreachable();
  } catch (e) {
    assert.is((e as TspodError).code, 'NO_POLICY');
    assert.match((e as Error).message, /"\/nonexistent\/policy\.json"/);
  }
  const p = await loadPolicy('/nonexistent/policy.json', { insecure: true });
  assert.equal(p.policy, INSECURE_POLICY);
});

test.run();
