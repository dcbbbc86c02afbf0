// @rootless
// init (top level and container init): the runtime's container made without its process started,
// as podman 4.3 (compared side by side, rootless, runc): ps says Initialized, a second init fails
// with podman's words (125), start only starts it, stop/restart/rm of an initialized one clean up.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f } = containerTests();

const status = async (name: string) => (await f.tspod(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}'])).stdout.trim();
const create = async (name: string) => {
  const r = await f.tspod(['create', '--name', name, f.image, 'sleep', '100']);
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim();
};

t('init: Initialized, a second init fails, start starts it', async () => {
  const name = uniqueName('init');
  const id = await create(name);
  let r = await f.tspod(['init', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${name}\n`);
  assert.is(await status(name), 'Initialized');
  assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', name])).stdout.trim(), 'initialized');
  assert.ok(existsSync(join(f.root, 'containers', id, 'overlay/merged/bin')), 'rootfs mounted');
  r = await f.tspod(['container', 'init', name]);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: container ${id} has already been created in runtime: container state improper\n`);
  r = await f.tspod(['start', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${name}\n`);
  assert.match(await status(name), /^Up /);
  r = await f.tspod(['exec', name, 'echo', 'inside']);
  assert.is(r.stdout, 'inside\n', r.stderr);
  r = await f.tspod(['init', name]);
  assert.is(r.code, 125, 'init of a running container');
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

t('stop and rm of an initialized container clean up; init after stop works', async () => {
  const name = uniqueName('init-stop');
  const id = await create(name);
  assert.is((await f.tspod(['init', name])).code, 0);
  let r = await f.tspod(['stop', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${name}\n`);
  // podman 4.3: the runtime's `runc init` dies of SIGTERM (2)
  assert.match(await status(name), /^Exited \(\d+\)/);
  assert.not.ok(existsSync(join(f.runroot, 'runtime', id)), 'the runtime forgot it');
  r = await f.tspod(['init', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(await status(name), 'Initialized');
  r = await f.tspod(['rm', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${name}\n`);
  assert.not.ok(existsSync(join(f.root, 'containers', id)), 'removed');
  assert.not.ok(existsSync(join(f.runroot, 'runtime', id)), 'runtime record gone');
});

t('restart of an initialized container runs it; kill refuses it', async () => {
  const name = uniqueName('init-restart');
  await create(name);
  assert.is((await f.tspod(['init', name])).code, 0);
  let r = await f.tspod(['kill', name]);
  assert.is(r.code, 125);
  assert.match(r.stderr, /can only kill running containers\. .* is in state initialized: container state improper/);
  r = await f.tspod(['restart', name]);
  assert.is(r.code, 0, r.stderr);
  assert.match(await status(name), /^Up /);
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

t('ps --filter status=initialized, ps json State, container prune removes it', async () => {
  const name = uniqueName('init-prune');
  const label = `t230=${name}`;
  const r0 = await f.tspod(['create', '--name', name, '--label', label, f.image, 'sleep', '100']);
  const id = r0.stdout.trim();
  assert.is((await f.tspod(['init', name])).code, 0);
  let r = await f.tspod(['ps', '-a', '--filter', 'status=initialized', '--filter', `name=^${name}$`, '--format', '{{.Names}} {{.State}}']);
  assert.is(r.stdout, `${name} Initialized\n`);
  r = await f.tspod(['ps', '-a', '--filter', `name=^${name}$`, '--format', 'json']);
  assert.is(JSON.parse(r.stdout)[0].State, 'initialized');
  r = await f.tspod(['container', 'prune', '-f', '--filter', `label=${label}`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${id}\n`);
  assert.is((await f.tspod(['container', 'exists', name])).code, 1);
});

t('start -a of an initialized container attaches and gives its output', async () => {
  const name = uniqueName('init-attach');
  assert.is((await f.tspod(['create', '--name', name, f.image, 'echo', 'hello-init'])).code, 0);
  assert.is((await f.tspod(['init', name])).code, 0);
  const r = await f.tspod(['start', '-a', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hello-init\n');
  await f.tspod(['rm', name]);
});

t('init --all: oldest first, an initialized or running one printed without an error', async () => {
  const a = uniqueName('init-all'), b = uniqueName('init-all');
  const ida = await create(a);
  const idb = await create(b);
  let r = await f.tspod(['init', '--all']);
  assert.is(r.code, 0, r.stderr);
  const order = (out: string) => out.split('\n').filter((l) => l === ida || l === idb);
  assert.equal(order(r.stdout), [ida, idb]);
  assert.is((await f.tspod(['start', a])).code, 0);
  r = await f.tspod(['init', '-a']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(order(r.stdout), [ida, idb]);
  await f.tspod(['rm', '-f', '-t', '0', a, b]);
});

t('init of an unknown container: no such container (125)', async () => {
  const r = await f.tspod(['init', uniqueName('nope')]);
  assert.is(r.code, 125);
  assert.match(r.stderr, /no such container/);
});

test.run();
