// @rootless
// tspod system df/prune/reset/migrate/renumber/info/connection/service, against podman 4.3's texts,
// sizes and exit statuses (compared side by side on private rootless stores): what is removed is
// really gone, what is in use stays, sizes follow what was written.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFixture, missingFeature, uniqueName, type ContainerFixture } from '../helpers/containers.ts';

const skip = missingFeature();
let f: ContainerFixture;
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

test.before(async () => {
  if (!skip) f = await containerFixture();
});
test.after(async () => { if (f) await f.cleanup(); });

const lines = (s: string) => s.split('\n').filter(Boolean);
const ok = async (args: string[], input?: string) => {
  const r = await f.tspod(args, { input });
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
// a container that ends at once on SIGTERM, so stops and resets take no stop timeout
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 300 & wait'];

/** The summary as { Type: [total, active, rawSize, rawReclaimable] }. */
async function summary(): Promise<Record<string, number[]>> {
  const out = await ok(['system', 'df', '--format', '{{.Type}}|{{.Total}}|{{.Active}}|{{.RawSize}}|{{.RawReclaimable}}']);
  return Object.fromEntries(lines(out).map((l) => { const [k, ...n] = l.split('|'); return [k, n.map(Number)]; }));
}

t('df: the summary table, sizes that follow what containers and volumes hold', async () => {
  const before = await summary();
  assert.equal(Object.keys(before), ['Images', 'Containers', 'Local Volumes']);
  const table = await ok(['system', 'df']);
  assert.match(table, /^TYPE {11}TOTAL {7}ACTIVE {6}SIZE {8}RECLAIMABLE\nImages {9}\d+ +\d+ +\S+ +\S+ \(\d+%\)\nContainers {5}/);
  // the image's size is the one `images` counts (layers and metadata)
  const imgs = lines(await ok(['images', '--format', '{{.ID}}']));
  assert.ok(before.Images[2] > 1_000_000, `image size ${before.Images[2]}`);
  assert.is(before.Images[0], imgs.length);

  const vol = uniqueName('dfvol'), ctr = uniqueName('dfc');
  await ok(['volume', 'create', vol]);
  await ok(['run', '--name', ctr, '-v', `${vol}:/d`, f.image, 'sh', '-c', 'head -c 300000 /dev/zero > /d/z; head -c 150000 /dev/zero > /big']);
  const s = await summary();
  assert.is(s.Containers[0], before.Containers[0] + 1);
  assert.ok(s.Containers[2] - before.Containers[2] >= 150_000 && s.Containers[2] - before.Containers[2] < 160_000, `container changes ${s.Containers[2] - before.Containers[2]}`);
  assert.is(s.Containers[3] - before.Containers[3], s.Containers[2] - before.Containers[2], 'an exited container\'s changes are reclaimable');
  assert.is(s['Local Volumes'][0], before['Local Volumes'][0] + 1);
  assert.is(s['Local Volumes'][2] - before['Local Volumes'][2], 300_000);
  assert.is(s['Local Volumes'][3] - before['Local Volumes'][3], 0, 'a volume a container uses is not reclaimable');
  assert.is(s.Images[1], 1, 'the image a container uses is active');

  // -v: the three sections with podman's headers
  const v = await ok(['system', 'df', '-v']);
  assert.match(v, /^Images space usage:\n\nREPOSITORY {15}TAG {9}IMAGE ID {6}CREATED +SIZE {8}SHARED SIZE  UNIQUE SIZE  CONTAINERS\n/);
  assert.match(v, /\n\nContainers space usage:\n\nCONTAINER ID  IMAGE {9}COMMAND +LOCAL VOLUMES  SIZE {8}CREATED +STATUS {6}NAMES\n/);
  assert.match(v, new RegExp(`\\n[0-9a-f]{12}  [0-9a-f]{12}  sh -c head -c 300000 .*  1 {14}150kB +\\S.* +exited +${ctr}\\n`));
  assert.match(v, new RegExp(`\\n\\nLocal Volumes space usage:\\n\\nVOLUME NAME +LINKS +SIZE\\n(.*\\n)*${vol} +1 +300kB\\n`));

  // the container gone, its volume is unused: all of it reclaimable
  await ok(['rm', ctr]);
  const after = await summary();
  assert.is(after['Local Volumes'][3] - before['Local Volumes'][3], 300_000);
  assert.match(await ok(['system', 'df']), /\nLocal Volumes +\d+ +\d+ +\S+ +\S+ \(\d+%\)\n$/);
  await ok(['volume', 'rm', vol]);
});

t('df --format: templates, table headers, json, {{json .}} per row, a missing field is 125', async () => {
  const tbl = await ok(['system', 'df', '--format', 'table {{.Type}} {{.RawSize}} {{.Reclaimable}}']);
  assert.match(tbl, /^TYPE {11}RAW SIZE {4}RECLAIMABLE\nImages {9}\d+ +\S+ \(\d+%\)\n/);
  const json = JSON.parse(await ok(['system', 'df', '--format', 'json']));
  assert.equal(json.map((r: { Type: string }) => r.Type), ['Images', 'Containers', 'Local Volumes']);
  assert.equal(Object.keys(json[0]), ['Type', 'Total', 'Active', 'Size', 'Reclaimable']);
  assert.type(json[0].Size, 'number');
  const rows = lines(await ok(['system', 'df', '--format', '{{json .}}'])).map((l) => JSON.parse(l));
  assert.equal(rows, json);
  const bad = await f.tspod(['system', 'df', '--format', '{{.Bogus}}']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, 'Error: template: df:1:13: executing "df" at <.Bogus>: can\'t evaluate field Bogus in type *system.dfSummary\n');
});

const PRUNE_WARNING = 'WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container\n'
  + '\t- all volumes not used by at least one container\n\t- all dangling images\n\t- all dangling build cache\n\nAre you sure you want to continue? [y/N] ';

t('prune: podman\'s prompt (no: nothing goes; end of input: Error: EOF), then exactly the unused things go', async () => {
  const stopped = uniqueName('pc'), running = uniqueName('pr'), usedVol = uniqueName('pv'), freeVol = uniqueName('pfv');
  const freeNet = uniqueName('pn'), usedNet = uniqueName('pun'), tag = `localhost/${uniqueName('pimg')}:1`;
  await ok(['volume', 'create', usedVol]);
  await ok(['volume', 'create', freeVol]);
  await ok(['run', '--rm', '-v', `${freeVol}:/d`, f.image, 'sh', '-c', 'head -c 200000 /dev/zero > /d/z']);
  await ok(['network', 'create', freeNet]);
  await ok(['network', 'create', usedNet]);
  await ok(['run', '-d', '--name', running, '--network', usedNet, '-v', `${usedVol}:/d`, f.image, ...SLEEPER]);
  await ok(['run', '--name', stopped, f.image, 'sh', '-c', 'head -c 100000 /dev/zero > /f']);
  // a dangling image: the tag moves to a second commit
  await ok(['commit', '-q', stopped, tag]);
  const dangling = (await ok(['images', '-q', '--no-trunc', tag])).trim().replace(/^sha256:/, '');
  await ok(['commit', '-q', running, tag]);
  const stoppedId = (await ok(['inspect', '--format', '{{.Id}}', stopped])).trim();

  const no = await f.tspod(['system', 'prune', '--volumes'], { input: 'n\n' });
  assert.is(no.code, 0, no.stderr);
  assert.is(no.stdout, PRUNE_WARNING);
  const eof = await f.tspod(['system', 'prune', '--volumes'], { input: '' });
  assert.is(eof.code, 125);
  assert.is(eof.stdout, PRUNE_WARNING);
  assert.is(eof.stderr, 'Error: EOF\n');
  assert.is((await f.tspod(['container', 'exists', stopped])).code, 0, 'no answer removes nothing');
  const cp = await f.tspod(['container', 'prune'], { input: 'n\n' });
  assert.is(cp.stdout, 'WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ');

  // podman's rule, for every prune: an answer starting with y is a yes
  const noVol = await f.tspod(['volume', 'prune'], { input: '' });
  assert.is(noVol.code, 125);
  assert.is(noVol.stderr, 'Error: EOF\n');
  const yes = await f.tspod(['system', 'prune', '--volumes'], { input: 'Yup\n' });
  assert.is(yes.code, 0, yes.stderr);
  const out = yes.stdout.slice(PRUNE_WARNING.length);
  const m = /^Deleted Containers\n((?:[0-9a-f]{64}\n)+)Deleted Volumes\n((?:.+\n)+)Deleted Images\n((?:[0-9a-f]{64}\n)+)Deleted Networks\n((?:.+\n)+)Total reclaimed space: (\S+)\n$/.exec(out);
  assert.ok(m, out);
  assert.ok(lines(m![1]).includes(stoppedId));
  assert.ok(lines(m![2]).includes(freeVol) && !lines(m![2]).includes(usedVol));
  assert.ok(lines(m![3]).includes(dangling));
  assert.ok(lines(m![4]).includes(freeNet) && !lines(m![4]).includes(usedNet));
  // 100 kB of container changes, 200 kB of volume data, an image of ~2 MB
  assert.match(m![5], /^\d+(\.\d+)?MB$/);
  assert.ok(parseFloat(m![5]) > 2.2, m![5]);

  // really gone, and what is in use stayed
  const ctrs = lines(await ok(['ps', '-a', '-q', '--no-trunc'])), vols = lines(await ok(['volume', 'ls', '-q']));
  const nets = lines(await ok(['network', 'ls', '--format', '{{.Name}}'])), images = await ok(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  assert.ok(!ctrs.includes(stoppedId) && ctrs.length === 1, ctrs.join());
  assert.ok(!vols.includes(freeVol) && vols.includes(usedVol), vols.join());
  assert.ok(!nets.includes(freeNet) && nets.includes(usedNet), nets.join());
  assert.not.match(images, dangling);
  assert.match(images, tag, 'a tagged image stays without -a');
  assert.match(images, f.image);

  // nothing left: only the total
  assert.is(await ok(['system', 'prune', '-f', '--volumes']), 'Total reclaimed space: 0B\n');
  // -a: the tagged image no container uses goes too, the fixture image a container uses stays
  const all = await ok(['system', 'prune', '-a', '-f']);
  assert.match(all, /^Deleted Images\n[0-9a-f]{64}\nTotal reclaimed space: \S+MB\n$/);
  assert.is(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), `${f.image}\n`);

  await ok(['rm', '-f', '-t', '0', running]);
  await ok(['network', 'rm', usedNet]);
  await ok(['volume', 'rm', usedVol]);
});

t('prune --filter: label, label!, until; podman\'s errors for other keys', async () => {
  const a = uniqueName('fa'), b = uniqueName('fb');
  await ok(['create', '--name', a, '--label', 'prune=yes', f.image, 'true']);
  await ok(['create', '--name', b, '--label', 'prune=no', f.image, 'true']);
  const idA = (await ok(['inspect', '--format', '{{.Id}}', a])).trim();
  assert.is(await ok(['system', 'prune', '-f', '--filter', 'until=1h']), 'Total reclaimed space: 0B\n', 'both are newer than 1h ago');
  assert.is(await ok(['system', 'prune', '-f', '--filter', 'label=prune=yes']), `Deleted Containers\n${idA}\nTotal reclaimed space: 0B\n`);
  assert.is((await f.tspod(['container', 'exists', b])).code, 0);
  assert.is(await ok(['system', 'prune', '-f', '--filter', 'label!=prune=no']), 'Total reclaimed space: 0B\n');

  const errors: [string[], string][] = [
    [['--filter', 'name=x'], 'Error: name is an invalid filter\n'],
    [['--filter', 'bogus'], 'Error: filter input must be in the form of filter=value: bogus is invalid\n'],
    [['--volumes', '--filter', 'label!=x'], 'Error: "label!" is an invalid volume filter\n'],
    [['--filter', 'until=bad'], 'Error: failed to parse value as time or duration: "bad"\n'],
  ];
  for (const [args, err] of errors) {
    const r = await f.tspod(['system', 'prune', '-f', ...args]);
    assert.is(r.code, 125, args.join(' '));
    assert.is(r.stderr, err);
    assert.is(r.stdout, '');
  }
  await ok(['rm', b]);
});

t('migrate stops what runs ("stopped ID"), prints nothing otherwise; renumber prints nothing; both exit 0', async () => {
  assert.is(await ok(['system', 'renumber']), '');
  const c = uniqueName('mig');
  await ok(['run', '-d', '--name', c, f.image, ...SLEEPER]);
  const id = (await ok(['inspect', '--format', '{{.Id}}', c])).trim();
  assert.is(await ok(['system', 'migrate']), `stopped ${id}\n`);
  assert.is((await ok(['inspect', '--format', '{{.State.Status}}', c])).trim(), 'exited');
  assert.is(await ok(['system', 'migrate']), '');
  const bad = await f.tspod(['system', 'migrate', '--new-runtime', 'no-such-runtime']);
  assert.is(bad.code, 125);
  assert.is(bad.stdout, 'change to runtime "no-such-runtime" requested but no such runtime is defined: invalid argument\n');
  await ok(['system', 'migrate', '--new-runtime', 'runc']);
  assert.is((await ok(['inspect', '--format', '{{.OCIRuntime}}', c])).trim(), 'runc');
  await ok(['rm', c]);
});

t('system info is tspod info; connection and service are not supported (125)', async () => {
  assert.is(await ok(['system', 'info', '--format', '{{.Store.GraphRoot}}']), `${f.root}\n`);
  for (const args of [['connection', 'list'], ['connection', 'add', '--identity', 'k', 'n', 'ssh://h'], ['service', '--time', '0']]) {
    const r = await f.tspod(['system', ...args]);
    assert.is(r.code, 125, args.join(' '));
    assert.match(r.stderr, /^Error: system (connection|service): .* not supported by tspod/);
  }
});

// last: it empties the fixture's store
t('reset: podman\'s warning; -f stops and removes everything, deletes the store, leaves bind sources alone', async () => {
  const host = mkdtempSync(join(tmpdir(), 'tspod-225-bind-'));
  try {
    writeFileSync(join(host, 'keep'), 'host data');
    const c = uniqueName('rc'), vol = uniqueName('rv'), net = uniqueName('rn');
    await ok(['volume', 'create', vol]);
    await ok(['network', 'create', net]);
    await ok(['run', '-d', '--name', c, '--network', net, '-v', `${host}:/h`, '-v', `${vol}:/v`, f.image, ...SLEEPER]);
    const pid = Number((await ok(['inspect', '--format', '{{.State.Pid}}', c])).trim());
    assert.ok(pid > 0);
    const warning = `WARNING! This will remove:\n        - all containers\n        - all pods\n        - all images\n        - all networks\n        - all build cache\n        - all machines\n        - all volumes\n        - the graphRoot directory: "${f.root}"\n        - the runRoot directory: "${f.runroot}"\nAre you sure you want to continue? [y/N] `;
    const no = await f.tspod(['system', 'reset'], { input: 'n\n' });
    assert.is(no.code, 0, no.stderr);
    assert.is(no.stdout, warning);
    assert.is((await f.tspod(['container', 'exists', c])).code, 0);

    const r = await f.tspod(['system', 'reset', '-f']);
    assert.is(r.code, 0, r.stderr);
    assert.not.ok(existsSync(f.root), 'graph root removed');
    assert.not.ok(existsSync(f.runroot), 'run root removed');
    assert.throws(() => process.kill(pid, 0), 'the container\'s process is gone');
    assert.is(readFileSync(join(host, 'keep'), 'utf8'), 'host data', 'a bind source is not touched');
    // the next command starts with an empty store
    assert.is(await ok(['ps', '-a', '-q']), '');
    assert.is(await ok(['images', '-q']), '');
    assert.is(await ok(['volume', 'ls', '-q']), '');
    assert.is(await ok(['network', 'ls', '--format', '{{.Name}}']), 'podman\n');
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

test.run();
