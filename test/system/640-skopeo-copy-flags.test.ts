// @rootless
// tspod skopeo copy's destination flags side by side with skopeo 1.9 on the fixture registry's
// images: --dest-compress/--dest-decompress (dir:), OCI layer compression and
// --dest-oci-accept-uncompressed-layers, schema2 -> OCI conversion, --src/--dest-shared-blob-dir
// (and inspect/delete --shared-blob-dir), --additional-tag and list-tags on docker-archive:,
// --dest-precompute-digests; the same copy by both gives the same files, digests, errors, exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fixtureEnv } from '../helpers/global-setup.ts';
import { skopeo, skopeoSkip, tspodSkopeo, type Result } from '../helpers/skopeo.ts';

const skip = skopeoSkip();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
let reg: string;

const tspod = (args: string[]) => tspodSkopeo(args);

/** The same copy with both tools, each into its own destination (DEST is replaced in args). */
async function both(args: string[], dest: (who: string) => string): Promise<{ sk: Result; ts: Result; skDest: string; tsDest: string }> {
  const skDest = dest('sk');
  const tsDest = dest('ts');
  const sk = skopeo(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', ...args.map((a) => (a === 'DEST' ? skDest : a))]);
  const ts = await tspod(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', ...args.map((a) => (a === 'DEST' ? tsDest : a))]);
  return { sk, ts, skDest, tsDest };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The message of skopeo's fatal log line, and tspod's "Error: " line, to compare them. */
const skMsg = (stderr: string) => {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  return m ? (JSON.parse(`"${m[1]}"`) as string) : stderr.trim();
};
const tsMsg = (stderr: string) => stderr.replace(/^Error: /, '').trim();

/** Every file below p, relative, with the sha256 of its content. */
function tree(p: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else out.push(`${relative(p, f)} ${sha(readFileSync(f))}`);
    }
  };
  walk(p);
  return out;
}

const path = (ref: string) => ref.slice(ref.indexOf(':') + 1).split(':')[0];
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
/** The manifest an OCI layout's only index entry names. */
const ociManifest = (layout: string, blobs = join(layout, 'blobs')) => json(join(blobs, 'sha256', json(join(layout, 'index.json')).manifests[0].digest.slice(7)));
const tarList = (f: string) => execFileSync('tar', ['tvf', f], { encoding: 'utf8' }).split('\n').map((l) => l.replace(/\s+/g, ' ')).sort();

test.before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tspod-640-'));
  reg = (await fixtureEnv()).registry;
});
test.after(() => {
  if (skip) return;
  rmSync(dir, { recursive: true, force: true });
});

t('dir: --dest-compress, --dest-decompress, both at once; --dest-compress-format alone leaves dir: layers as they are', async () => {
  const unc = `docker://${reg}/uncompressed:latest`;
  const c = await both(['--dest-compress', unc, 'DEST'], (w) => `dir:${dir}/c-${w}`);
  assert.is(c.ts.code, 0, c.ts.stderr);
  assert.is(c.sk.code, 0, c.sk.stderr);
  const [mk, mt] = [json(join(path(c.skDest), 'manifest.json')), json(join(path(c.tsDest), 'manifest.json'))];
  assert.equal(mt.layers.map((l: { mediaType: string }) => l.mediaType), mk.layers.map((l: { mediaType: string }) => l.mediaType));
  assert.match(mt.layers[0].mediaType, /gzip$/);
  assert.is(mt.config.digest, mk.config.digest);
  // skopeo verifies every digest of what tspod wrote
  assert.is(skopeo(['--insecure-policy', 'copy', '-q', c.tsDest, `oci:${dir}/c-back:x`]).code, 0);

  const d = await both(['--dest-decompress', `docker://${reg}/layered:v2s2`, 'DEST'], (w) => `dir:${dir}/d-${w}`);
  assert.is(d.ts.code, 0, d.ts.stderr);
  assert.equal(tree(path(d.tsDest)), tree(path(d.skDest)), 'byte-identical dir:');

  const z = await both(['--dest-compress-format', 'zstd', `docker://${reg}/busybox:latest`, 'DEST'], (w) => `dir:${dir}/z-${w}`);
  assert.is(z.ts.code, 0, z.ts.stderr);
  assert.equal(tree(path(z.tsDest)), tree(path(z.skDest)));

  // a gzip level Go does not have fails the blob, as skopeo; -2 (Huffman only) is one it has
  const lv = await both(['--dest-compress', '--dest-compress-level', '99', unc, 'DEST'], (w) => `dir:${dir}/lv-${w}`);
  assert.is(lv.ts.code, 1);
  assert.is(lv.sk.code, 1);
  assert.is(tsMsg(lv.ts.stderr), skMsg(lv.sk.stderr));
  const huff = await both(['--dest-compress', '--dest-compress-level=-2', unc, 'DEST'], (w) => `dir:${dir}/huff-${w}`);
  assert.is(huff.ts.code, 0, huff.ts.stderr);
  assert.is(json(join(path(huff.tsDest), 'manifest.json')).config.digest, json(join(path(huff.skDest), 'manifest.json')).config.digest);
  assert.is(skopeo(['--insecure-policy', 'copy', '-q', huff.tsDest, `dir:${dir}/huff-back`]).code, 0, 'skopeo verifies the Huffman-only layer');

  const x = await both(['--dest-compress', '--dest-decompress', unc, 'DEST'], (w) => `dir:${dir}/x-${w}`);
  assert.is(x.ts.code, x.sk.code);
  assert.is(x.ts.code, 1);
  assert.match(x.ts.stderr, /Cannot compress and decompress at the same time/);
  assert.not.ok(existsSync(path(x.tsDest)), 'nothing created');
});

t('oci: compresses uncompressed layers unless --dest-oci-accept-uncompressed-layers; schema2 images become OCI with skopeo\'s digests', async () => {
  const unc = `docker://${reg}/uncompressed:latest`;
  const c = await both([unc, 'DEST'], (w) => `oci:${dir}/o-${w}:x`);
  assert.is(c.ts.code, 0, c.ts.stderr);
  const [mk, mt] = [ociManifest(path(c.skDest)), ociManifest(path(c.tsDest))];
  assert.is(mt.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  assert.is(mt.config.digest, mk.config.digest);
  assert.is(skopeo(['--insecure-policy', 'copy', '-q', c.tsDest, `dir:${dir}/o-back`]).code, 0);

  const a = await both(['--dest-oci-accept-uncompressed-layers', unc, 'DEST'], (w) => `oci:${dir}/a-${w}:x`);
  assert.is(a.ts.code, 0, a.ts.stderr);
  assert.equal(tree(path(a.tsDest)), tree(path(a.skDest)));

  for (const [name, extra] of [['layered:v2s2', []], ['multiarch:v2s2', ['--all']]] as const) {
    const v = await both([...extra, `docker://${reg}/${name}`, 'DEST'], (w) => `oci:${dir}/v-${name.split(':')[0]}-${w}:1`);
    assert.is(v.ts.code, 0, v.ts.stderr);
    assert.equal(tree(path(v.tsDest)), tree(path(v.skDest)), name);
  }
  // --multi-arch index-only: the list alone (converted to an OCI index for oci:), no instance
  for (const name of ['multiarch:latest', 'multiarch:v2s2']) {
    const io = await both(['--multi-arch', 'index-only', `docker://${reg}/${name}`, 'DEST'], (w) => `oci:${dir}/io-${name.split(':')[1]}-${w}:1`);
    assert.is(io.ts.code, 0, io.ts.stderr);
    assert.equal(tree(path(io.tsDest)), tree(path(io.skDest)), name);
  }
  // a schema2 manifest that must not change goes as it is (--preserve-digests), as skopeo does
  const p = await both(['--preserve-digests', `docker://${reg}/busybox:v2s2`, 'DEST'], (w) => `oci:${dir}/p-${w}:1`);
  assert.is(p.ts.code, 0, p.ts.stderr);
  assert.equal(tree(path(p.tsDest)), tree(path(p.skDest)));
  // ... and a destination that cannot take it refuses it
  const r = await both(['--format', 'v2s2', '--preserve-digests', `docker://${reg}/busybox:latest`, 'DEST'], (w) => `docker-archive:${dir}/r-${w}.tar`);
  assert.is(r.ts.code, 1);
  assert.is(r.sk.code, 1);
  assert.match(r.ts.stderr, /Unsupported manifest type, need a Docker schema 2 manifest/);
  assert.not.ok(existsSync(path(r.tsDest)));
});

t('--src/--dest-shared-blob-dir, inspect and delete --shared-blob-dir', async () => {
  const src = `docker://${reg}/layered:latest`;
  const w = await both(['--dest-shared-blob-dir', `${dir}/SHARED`, src, 'DEST'], (who) => `oci:${dir}/s-${who}:x`);
  assert.is(w.ts.code, 0, w.ts.stderr);
  // both tools' runs share one blob directory: skopeo wrote first, tspod reused and added nothing
  const shared = tree(`${dir}/SHARED`);
  assert.is(shared.length, 5, 'manifest, config, 3 layers');
  assert.equal(tree(path(w.tsDest)), tree(path(w.skDest)), 'layout: index.json, oci-layout, empty blobs/');
  assert.ok(existsSync(join(path(w.tsDest), 'blobs')));
  const own = await tspod(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-shared-blob-dir', `${dir}/SHARED2`, src, `oci:${dir}/s2:x`]);
  assert.is(own.code, 0, own.stderr);
  assert.equal(tree(`${dir}/SHARED2`), shared);

  // reading: tspod reads skopeo's layout through the shared directory, skopeo reads tspod's
  const fromSk = await tspod(['--insecure-policy', 'copy', '-q', '--src-shared-blob-dir', `${dir}/SHARED`, w.skDest, `dir:${dir}/s-back-ts`]);
  assert.is(fromSk.code, 0, fromSk.stderr);
  const fromTs = skopeo(['--insecure-policy', 'copy', '-q', '--src-shared-blob-dir', `${dir}/SHARED2`, `oci:${dir}/s2:x`, `dir:${dir}/s-back-sk`]);
  assert.is(fromTs.code, 0, fromTs.stderr);
  assert.equal(tree(`${dir}/s-back-ts`), tree(`${dir}/s-back-sk`));
  // without the shared directory the manifest blob is missing: a plain error (1); a name the layout
  // does not have is "image not found" (2, skopeo 1.11 and later; 1.9 has no status 2)
  const noShared = await tspod(['inspect', `oci:${dir}/s2:x`]);
  assert.is(noShared.code, 1, noShared.stderr);
  assert.is(skopeo(['inspect', `oci:${dir}/s2:x`]).code, 1);
  const noName = await tspod(['inspect', '--shared-blob-dir', `${dir}/SHARED2`, `oci:${dir}/s2:nosuch`]);
  assert.is(noName.code, 2, noName.stderr);
  const ins = await tspod(['inspect', '--shared-blob-dir', `${dir}/SHARED2`, `oci:${dir}/s2:x`]);
  assert.is(ins.code, 0, ins.stderr);
  const insOut = JSON.parse(ins.stdout);
  delete insOut.LayersData; // skopeo 1.10 added it; 1.9 does not print it
  assert.equal(insOut, JSON.parse(skopeo(['inspect', '--shared-blob-dir', `${dir}/SHARED2`, `oci:${dir}/s2:x`]).stdout));

  // oci-archive: the archive's layout uses the shared directory too (containers/image), so it holds no blobs
  const oa = await both(['--dest-shared-blob-dir', `${dir}/SHARED3`, src, 'DEST'], (who) => `oci-archive:${dir}/oa-${who}.tar:x`);
  assert.is(oa.ts.code, 0, oa.ts.stderr);
  assert.equal(tarList(path(oa.tsDest)).map((l) => l.split(' ').pop()), tarList(path(oa.skDest)).map((l) => l.split(' ').pop()));

  // delete (skopeo 1.9 has none for oci:): the entry goes, blobs in the shared directory stay
  const del = await tspod(['delete', '--shared-blob-dir', `${dir}/SHARED2`, `oci:${dir}/s2:x`]);
  assert.is(del.code, 0, del.stderr);
  assert.equal(json(`${dir}/s2/index.json`).manifests, []);
  assert.equal(tree(`${dir}/SHARED2`), shared);
});

t('--additional-tag: docker-archive RepoTags and legacy entries as skopeo writes them; list-tags docker-archive:', async () => {
  const src = `docker://${reg}/layered:latest`;
  const a = await both(['--additional-tag', 'foo:bar', '--additional-tag', 'quay.io/x/y:z', '--additional-tag', 'foo:bar', src, 'DEST'],
    (w) => `docker-archive:${dir}/at-${w}.tar:example.com/a/b:c`);
  assert.is(a.ts.code, 0, a.ts.stderr);
  assert.equal(tarList(path(a.tsDest)), tarList(path(a.skDest)));
  for (const f of ['manifest.json', 'repositories']) {
    assert.is(execFileSync('tar', ['xOf', path(a.tsDest), f], { encoding: 'utf8' }), execFileSync('tar', ['xOf', path(a.skDest), f], { encoding: 'utf8' }), f);
  }
  // the reference's own name is optional; other transports ignore the flag
  const n = await both(['--additional-tag', 'foo:bar', src, 'DEST'], (w) => `docker-archive:${dir}/nt-${w}.tar`);
  assert.is(n.ts.code, 0, n.ts.stderr);
  assert.equal(tarList(path(n.tsDest)), tarList(path(n.skDest)));
  const d = await both(['--additional-tag', 'foo:bar', src, 'DEST'], (w) => `dir:${dir}/atd-${w}`);
  assert.is(d.ts.code, 0, d.ts.stderr);
  assert.equal(tree(path(d.tsDest)), tree(path(d.skDest)));
  for (const bad of ['foo', 'Foo:x', `foo@sha256:${'a'.repeat(64)}`]) {
    const e = await both(['--additional-tag', bad, src, 'DEST'], (w) => `docker-archive:${dir}/bad-${w}.tar`);
    assert.is(e.ts.code, 1, bad);
    assert.is(e.sk.code, 1, bad);
    assert.is(tsMsg(e.ts.stderr), skMsg(e.sk.stderr), bad);
  }

  // list-tags: tspod's archive, and one with an untagged image (@N), read by both
  mkdirSync(`${dir}/multi`);
  execFileSync('tar', ['xf', path(a.tsDest), '-C', `${dir}/multi`]);
  const items = json(`${dir}/multi/manifest.json`);
  rmSync(`${dir}/multi/manifest.json`); // read-only as extracted
  writeFileSync(`${dir}/multi/manifest.json`, JSON.stringify([items[0], { ...items[0], RepoTags: null }, { ...items[0], RepoTags: ['x/y:1'] }]));
  execFileSync('tar', ['cf', `${dir}/multi.tar`, '-C', `${dir}/multi`, '.']);
  for (const ref of [a.tsDest, `docker-archive:${dir}/multi.tar`, `docker-archive:${dir}/multi.tar:@1`]) {
    const ours = await tspod(['list-tags', ref]);
    assert.is(ours.code, 0, ours.stderr);
    assert.is(ours.stdout, skopeo(['list-tags', ref]).stdout, ref);
  }
  for (const ref of [`oci:${dir}/x`, 'nonsense', `docker://${reg}/busybox:latest`, `docker-archive:${dir}/missing.tar`]) {
    const ours = await tspod(['list-tags', '--tls-verify=false', ref]);
    const theirs = skopeo(['list-tags', '--tls-verify=false', ref]);
    assert.is(ours.code, theirs.code, ref);
    if (!ref.includes('missing')) assert.is(tsMsg(ours.stderr), skMsg(theirs.stderr), ref);
  }
});

t('--dest-precompute-digests: a layer compressed on the fly that the registry has is not uploaded again', async () => {
  const repo = `${reg}/t640-${Math.random().toString(36).slice(2, 8)}/unc`;
  const args = ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-precompute-digests', `docker://${reg}/uncompressed:latest`];
  const first = await tspod([...args, `docker://${repo}:1`]);
  assert.is(first.code, 0, first.stderr);
  const second = await tspod([...args, `docker://${repo}:2`]);
  assert.is(second.code, 0, second.stderr);
  const m1 = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repo}:1`]).stdout;
  assert.is(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repo}:2`]).stdout, m1, 'same compressed layer');
  assert.match(JSON.parse(m1).layers[0].mediaType, /gzip$/);
  const sk = skopeo([...args, `docker://${repo}:sk`]);
  assert.is(sk.code, 0, sk.stderr);
  assert.is(JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repo}:sk`]).stdout).config.digest, JSON.parse(m1).config.digest);
});

t('tspod skopeo --help lists skopeo\'s global flags, not tspod\'s', async () => {
  const h = await tspod(['--help']);
  assert.is(h.code, 0);
  for (const flag of ['--policy', '--insecure-policy', '--registries.d', '--override-arch', '--override-os', '--override-variant', '--tmpdir', '--command-timeout', '--debug']) {
    assert.ok(h.stdout.includes(flag), flag);
  }
  for (const flag of ['--root', '--runroot', '--storage-driver', '--log-level', '--cgroup-manager', '--registries-conf']) {
    assert.not.ok(h.stdout.includes(flag), flag);
  }
  const c = await tspod(['copy', '--help']);
  for (const flag of ['--additional-tag', '--dest-compress ', '--dest-decompress', '--dest-oci-accept-uncompressed-layers', '--dest-precompute-digests', '--src-shared-blob-dir', '--dest-shared-blob-dir']) {
    assert.ok(c.stdout.includes(flag), flag);
  }
});

test.run();
