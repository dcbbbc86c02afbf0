// Docker schema 1 manifests (v1+prettyjws) side by side with Debian's skopeo 1.9 (which writes them
// with --format v2s1) and podman 4.3: tspod inspects them as skopeo does, keeps them in dir:,
// converts them (config built from v1Compatibility, diff IDs from the layers) to OCI or schema2
// with skopeo's digests, and pulls them into its store with podman's image ID. --format v2s1 writes
// the payload skopeo writes (same digest; the ephemeral signature differs), which the registry
// (schema1 enabled) verifies and skopeo reads back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirImage } from '../helpers/dir-image.ts';
import { makeGpgKey } from '../helpers/gpg.ts';
import { startRegistry, type Registry } from '../helpers/registry.ts';
import { CLI, skopeo as runSkopeo, skopeoSkip, tspodSkopeo } from '../helpers/skopeo.ts';

const skip = skopeoSkip() || (existsSync('/usr/bin/docker-registry') ? '' : 'docker-registry not installed');
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
let reg: Registry;
const tspod = (args: string[]) => tspodSkopeo(['--insecure-policy', ...args]);
const skopeo = (args: string[]) => runSkopeo(['--insecure-policy', ...args]);
const p = (name: string) => join(dir, name);
const ok = (r: { code: number; stderr: string }) => assert.is(r.code, 0, r.stderr);

/** Every file of a directory tree, path -> content. */
function tree(root: string, sub = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(root, sub), { withFileTypes: true })) {
    const rel = join(sub, e.name);
    if (e.isDirectory()) Object.assign(out, tree(root, rel));
    else out[rel] = readFileSync(join(root, rel), 'latin1');
  }
  return out;
}

test.before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tspod-661-'));
  reg = await startRegistry({ schema1: true });
  makeDirImage(p('src'));
  ok(skopeo(['copy', '--format', 'v2s1', `dir:${p('src')}`, `dir:${p('s1')}`]));
  ok(skopeo(['copy', '--dest-tls-verify=false', `dir:${p('s1')}`, `docker://${reg.host}/s1:a`]));
});

test.after(async () => {
  await reg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

t('inspect: a schema 1 image in dir: and in a registry reads as skopeo shows it (--config too)', async () => {
  const m = JSON.parse(readFileSync(p('s1/manifest.json'), 'utf8'));
  assert.is(m.schemaVersion, 1);
  assert.ok(m.signatures?.length);
  for (const ref of [`dir:${p('s1')}`, `docker://${reg.host}/s1:a`]) {
    for (const extra of [[], ['--config']]) {
      const args = ['inspect', '--tls-verify=false', ...extra, ref];
      const want = skopeo(args);
      ok(want);
      const got = await tspod(args);
      ok(got);
      assert.is(got.stdout, want.stdout, `${args.join(' ')}`);
    }
  }
  const info = JSON.parse((await tspod(['inspect', '--tls-verify=false', `docker://${reg.host}/s1:a`])).stdout);
  assert.is(info.Tag, 'a');
  assert.match(info.Digest, /^sha256:/);
});

t('copy: dir: keeps the schema 1 manifest; oci: and --format v2s2 convert it with skopeo\'s digests', async () => {
  ok(await tspod(['copy', `dir:${p('s1')}`, `dir:${p('t-dir')}`]));
  assert.equal(tree(p('t-dir')), tree(p('s1')));
  for (const [name, dest, extra] of [['oci', (d: string) => `oci:${d}:x`, []], ['v2s2', (d: string) => `dir:${d}`, ['--format', 'v2s2']]] as const) {
    for (const src of [`dir:${p('s1')}`, `docker://${reg.host}/s1:a`]) {
      const tag = `${name}-${src.startsWith('dir') ? 'dir' : 'reg'}`;
      ok(skopeo(['copy', '--src-tls-verify=false', ...extra, src, dest(p(`s-${tag}`))]));
      ok(await tspod(['copy', '--src-tls-verify=false', ...extra, src, dest(p(`t-${tag}`))]));
      assert.equal(tree(p(`t-${tag}`)), tree(p(`s-${tag}`)), tag);
    }
  }
  // --preserve-digests: skopeo writes the schema 1 manifest unchanged, even into an OCI layout
  ok(skopeo(['copy', '--preserve-digests', `dir:${p('s1')}`, `oci:${p('s-pd')}:x`]));
  ok(await tspod(['copy', '--preserve-digests', `dir:${p('s1')}`, `oci:${p('t-pd')}:x`]));
  assert.equal(tree(p('t-pd')), tree(p('s-pd')));
  assert.match(readFileSync(p('t-pd/index.json'), 'utf8'), /manifest\.v1\+prettyjws/);
});

t('pull: a schema 1 image becomes the image podman makes of it (same ID)', () => {
  const store = (tool: string) => ['--root', p(`${tool}-root`), '--runroot', p(`${tool}-run`)];
  const pull = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
  const want = pull('podman', [...store('podman'), 'pull', '-q', '--tls-verify=false', `${reg.host}/s1:a`]);
  if (want.status !== 0) return console.log(`# podman pull failed here: ${want.stderr.trim()}`);
  const got = pull(process.execPath, [CLI, ...store('tspod'), 'pull', '-q', '--tls-verify=false', `${reg.host}/s1:a`]);
  assert.is(got.status, 0, got.stderr);
  assert.is(got.stdout.trim(), want.stdout.trim());
  // by digest: the registry's digest of a signed schema 1 manifest is its payload's
  const digest = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/s1:a`]).stdout).Digest;
  const byDigest = pull(process.execPath, [CLI, ...store('tspod2'), 'pull', '-q', '--tls-verify=false', `${reg.host}/s1@${digest}`]);
  assert.is(byDigest.status, 0, byDigest.stderr);
  assert.is(byDigest.stdout.trim(), want.stdout.trim());
});

t('manifest-digest of a signed schema 1 manifest is skopeo\'s (the payload digest)', async () => {
  const r = await tspod(['manifest-digest', p('s1/manifest.json')]);
  ok(r);
  assert.is(r.stdout, skopeo(['manifest-digest', p('s1/manifest.json')]).stdout);
});

t('--format v2s1: the manifest skopeo writes (dir:, oci:, registry), signed so that the registry accepts it', async () => {
  const digestOf = async (ref: string) => JSON.parse((await tspod(['inspect', '--tls-verify=false', ref])).stdout).Digest;
  ok(await tspod(['copy', '--format', 'v2s1', `dir:${p('src')}`, `dir:${p('t-w1')}`]));
  const mine = JSON.parse(readFileSync(p('t-w1/manifest.json'), 'utf8'));
  assert.is(mine.signatures[0].header.alg, 'ES256');
  assert.is(JSON.parse(skopeo(['inspect', `dir:${p('t-w1')}`]).stdout).Digest, JSON.parse(skopeo(['inspect', `dir:${p('s1')}`]).stdout).Digest);
  assert.is(await digestOf(`dir:${p('t-w1')}`), JSON.parse(skopeo(['inspect', `dir:${p('s1')}`]).stdout).Digest);
  ok(skopeo(['copy', '--format', 'v2s1', `dir:${p('src')}`, `oci:${p('s-w2')}:x`]));
  ok(await tspod(['copy', '--format', 'v2s1', `dir:${p('src')}`, `oci:${p('t-w2')}:x`]));
  assert.is(readFileSync(p('t-w2/index.json'), 'utf8'), readFileSync(p('s-w2/index.json'), 'utf8'));
  // the registry checks the JWS; both tools name the same repository and tag in the payload
  ok(await tspod(['copy', '--format', 'v2s1', '--dest-tls-verify=false', `dir:${p('src')}`, `docker://${reg.host}/w:t`]));
  const fromTspod = await digestOf(`docker://${reg.host}/w:t`);
  ok(skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/w:t`, `oci:${p('s-w3')}:x`]));
  ok(skopeo(['copy', `dir:${p('s1')}`, `oci:${p('s-w4')}:x`]));
  assert.equal(tree(p('s-w3')), tree(p('s-w4')));
  ok(skopeo(['copy', '--format', 'v2s1', '--dest-tls-verify=false', `dir:${p('src')}`, `docker://${reg.host}/w:t`]));
  assert.is(await digestOf(`docker://${reg.host}/w:t`), fromTspod);
  // podman 4.3 pulls what tspod pushed as v2s1 into the image skopeo's own v2s1 gives
  ok(await tspod(['copy', '--format', 'v2s1', '--dest-tls-verify=false', `dir:${p('src')}`, `docker://${reg.host}/w:p`]));
  const podman = (tag: string) => spawnSync('podman', ['--root', p('pm-root'), '--runroot', p('pm-run'), 'pull', '-q', '--tls-verify=false', `${reg.host}/w:${tag}`], { encoding: 'utf8' });
  const pm = podman('p');
  if (pm.status === 0) assert.is(pm.stdout, podman('t').stdout);
  else console.log(`# podman pull failed here: ${pm.stderr.trim()}`);
  // a schema 1 source copied as v2s1 into another repository names it, signed again, as skopeo's copy
  ok(await tspod(['copy', '--format', 'v2s1', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/s1:a`, `docker://${reg.host}/other:b`]));
  ok(skopeo(['copy', '--format', 'v2s1', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/s1:a`, `docker://${reg.host}/other:c`]));
  const payloadOf = (tag: string) => {
    const m = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/other:${tag}`]).stdout);
    delete m.signatures;
    return { ...m, tag: 'x' };
  };
  assert.is(JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/other:b`]).stdout).tag, 'b');
  assert.equal(payloadOf('b'), payloadOf('c'));
  // without --format a registry that takes schema 1 gets it (skopeo's order)
  ok(await tspod(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/s1:a`, `docker://${reg.host}/other:d`]));
  assert.equal(payloadOf('d'), payloadOf('c'));
  // a registry without schema 1 support refuses it (distribution: 500), both tools exit 1
  const plain = await startRegistry();
  try {
    const args = ['copy', '--format', 'v2s1', '--dest-tls-verify=false', `dir:${p('src')}`, `docker://${plain.host}/w:t`];
    assert.is(skopeo(args).code, 1);
    const r = await tspod(args);
    assert.is(r.code, 1);
    assert.match(r.stderr, /^Error: writing manifest: .*\(does the registry accept Docker schema 1 manifests\?\)\n$/);
    // a schema 1 source without --format: skopeo 1.9 stops at the refusal, tspod goes on converted
    const conv = ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/s1:a`, `docker://${plain.host}/c:1`];
    assert.is(skopeo(conv).code, 1);
    ok(await tspod(conv));
    assert.is(JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/c:1`]).stdout).schemaVersion, 2);
  } finally {
    await plain.stop();
  }
  // what v2s1 cannot carry
  const enc = await tspod(['copy', '--format', 'v2s1', '--preserve-digests', `dir:${p('src')}`, `dir:${p('t-w5')}`]);
  assert.is(enc.code, 1);
  assert.match(enc.stderr, /preserving digests is not possible/);
});

t('--sign-by with v2s1: the signature names the payload digest; skopeo and tspod verify each other\'s', async () => {
  const key = makeGpgKey();
  try {
    const env = key.env;
    const copy = ['copy', '--format', 'v2s1', '--sign-by', key.fingerprint, '--sign-identity', 'example.com/sg:1', `dir:${p('src')}`];
    const a = await tspodSkopeo(['--insecure-policy', ...copy, `dir:${p('sg-t')}`], { env });
    ok(a);
    ok(runSkopeo(['--insecure-policy', ...copy, `dir:${p('sg-s')}`], { env }));
    for (const d of ['sg-t', 'sg-s']) {
      const args = ['standalone-verify', p(`${d}/manifest.json`), 'example.com/sg:1', key.fingerprint, p(`${d}/signature-1`)];
      const want = JSON.parse(skopeo(['inspect', `dir:${p(d)}`]).stdout).Digest;
      const s = runSkopeo(args, { env });
      ok(s);
      assert.ok(s.stdout.includes(want), s.stdout);
      const r = await tspodSkopeo(args, { env });
      ok(r);
      assert.ok(r.stdout.includes(want), r.stdout);
    }
  } finally {
    key.cleanup();
  }
});

test.run();
