// @rootless
// events (podman's file backend, compared side by side with podman 4.3 rootless): the container
// lifecycle and image events recorded where they happen, printed as podman prints them, with
// --filter/--since/--until/--format/--no-trunc/--stream; --events-backend none records nothing.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, repoRoot, uniqueName } from '../helpers/containers.ts';
import { eventFilter, goTime, humanLine } from '../../cmd/container/events.ts';

const { t, f } = containerTests();

const statuses = async (...filters: string[]) =>
  (await f.tspod(['events', '--stream=false', ...filters.flatMap((x) => ['--filter', x]), '--format', '{{.Status}}'])).stdout.trim().split('\n').filter(Boolean);

t('container lifecycle events, in podman 4.3 order', async () => {
  const a = uniqueName('ev'), b = uniqueName('ev');
  let r = await f.tspod(['run', '--name', a, '--label', 'k=v', f.image, 'true']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(await statuses(`container=${a}`), ['create', 'init', 'start', 'attach', 'died', 'cleanup']);
  r = await f.tspod(['run', '-d', '--name', b, f.image, 'sleep', '100']);
  const id = r.stdout.trim();
  await f.tspod(['exec', b, 'true']);
  await f.tspod(['kill', b]);
  await f.tspod(['wait', b]);
  await f.tspod(['rm', a, b]);
  assert.equal(await statuses(`container=${id.slice(0, 10)}`), ['create', 'init', 'start', 'exec', 'exec_died', 'kill', 'died', 'cleanup', 'remove']);
  // the same key ORed, different keys ANDed
  assert.equal(await statuses(`container=${b}`, 'event=start', 'event=died'), ['start', 'died']);
  assert.equal(await statuses('label=k=v', 'event=remove'), ['remove']);
  // the default output: podman's human line with the labels as attributes
  r = await f.tspod(['events', '--stream=false', '--filter', `container=${a}`, '--filter', 'event=create']);
  assert.match(r.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC container create [0-9a-f]{64} \\(image=${f.image}, name=${a}, k=v, tspod.fixture=busybox\\)\\n$`));
  r = await f.tspod(['events', '--stream=false', '--filter', `container=${a}`, '--filter', 'event=create', '--no-trunc=false']);
  assert.match(r.stdout, / container create [0-9a-f]{12} \(/);
  r = await f.tspod(['events', '--stream=false', '--filter', `container=${a}`, '--format', 'json']);
  const first = JSON.parse(r.stdout.split('\n')[0]);
  assert.equal(Object.keys(first), ['ID', 'Image', 'Name', 'Status', 'Time', 'Type', 'Attributes']);
  assert.equal(first.Attributes, { k: 'v', 'tspod.fixture': 'busybox' });
  // the file is podman's JSON lines
  const log = readFileSync(join(f.runroot, 'events/events.log'), 'utf8');
  assert.ok(log.split('\n').filter(Boolean).every((l) => JSON.parse(l).Time.endsWith('Z')));
});

t('image events: tag, untag, remove', async () => {
  const name = `localhost/${uniqueName('evimg')}:t`;
  await f.tspod(['tag', f.image, name]);
  await f.tspod(['untag', f.image, name]);
  await f.tspod(['tag', f.image, name]);
  await f.tspod(['rmi', name]);
  const r = await f.tspod(['events', '--stream=false', '--filter', 'type=image', '--filter', `image=${name}`]);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.map((l) => l.split(" ")[5]), ['tag', 'untag', 'tag', 'untag', 'remove']);
  assert.match(lines[0], new RegExp(` image tag [0-9a-f]{64} ${name}$`));
});

t('--since/--until, --stream follows until --until, --events-backend none', async () => {
  const name = uniqueName('evs');
  let r = await f.tspod(['events', '--stream=false', '--since', '1s', '--filter', `container=${name}`]);
  assert.is(r.stdout, '');
  // streaming: a create made while it waits is printed, and it ends at --until
  const child = spawn(process.execPath, [join(repoRoot, 'dist/tspod.js'), '--root', f.root, '--runroot', f.runroot, 'events', '--until', '4s',
    '--filter', `container=${name}`, '--format', '{{.Name}} {{.Status}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  await f.tspod(['create', '--name', name, f.image]);
  assert.is(await done, 0);
  assert.is(out, `${name} create\n`);
  r = await f.tspod(['events', '--stream=false', '--until', '1h', '--since', '1h', '--filter', `container=${name}`]);
  assert.match(r.stdout, / container create /);
  const quiet = uniqueName('evq');
  r = await f.tspod(['--events-backend', 'none', 'run', '--rm', '--name', quiet, f.image, 'true']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(await statuses(`container=${quiet}`), []);
  r = await f.tspod(['events', '--stream=false', '--filter', 'bogus=1']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: bogus=1 is an invalid filter\n');
  await f.tspod(['rm', name]);
});

t('volume events: create, remove', async () => {
  const name = uniqueName('evvol');
  await f.tspod(['volume', 'create', name]);
  await f.tspod(['volume', 'rm', name]);
  const r = await f.tspod(['events', '--stream=false', '--filter', 'type=volume', '--filter', `volume=${name}`]);
  assert.match(r.stdout, new RegExp(`^\\S+ \\S+ \\+0000 UTC volume create ${name}\\n\\S+ \\S+ \\+0000 UTC volume remove ${name}\\n$`));
});

test('unit: podman human lines and filters', () => {
  assert.is(goTime('2026-11-25T10:50:06.413256839Z'), '2026-11-25 10:50:06.413256839 +0000 UTC');
  const img = { ID: 'a'.repeat(64), Name: 'localhost/bb:t2', Status: 'tag', Time: '2026-11-25T10:50:07.665681455Z', Type: 'image', Attributes: null } as const;
  assert.is(humanLine(img, true), `2026-11-25 10:50:07.665681455 +0000 UTC image tag ${'a'.repeat(64)} localhost/bb:t2`);
  assert.is(humanLine({ ...img, ID: undefined, Status: 'pull', Name: 'localhost/bb' }, true), '2026-11-25 10:50:07.665681455 +0000 UTC image pull  localhost/bb');
  const ctr = { ID: 'b'.repeat(64), Image: 'localhost/bb:latest', Name: 'c1', Status: 'died', Time: img.Time, Type: 'container', Attributes: { z: '1', a: '2' } } as const;
  assert.is(humanLine(ctr, false), `2026-11-25 10:50:07.665681455 +0000 UTC container died bbbbbbbbbbbb (image=localhost/bb:latest, name=c1, a=2, z=1)`);
  assert.ok(eventFilter(['container=c1', 'event=died'])(ctr));
  assert.not.ok(eventFilter(['container=c1', 'event=start'])(ctr));
  assert.ok(eventFilter(['event=start', 'event=died'])(ctr));
  assert.ok(eventFilter(['container=bbbb'])(ctr));
  assert.not.ok(eventFilter(['container=c1'])(img));
});

test.run();
