// @rootless
// The image's VOLUMEs (--image-volume bind|tmpfs|ignore) and --volumes-from, as podman 4.3 mounts
// them (compared side by side): an anonymous volume filled from the image, gone with rm -v; the
// volumes of another container, ro/rw as asked; the errors.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerFixture, missingFeature, uniqueName, type ContainerFixture } from '../helpers/containers.ts';

const skip = missingFeature();
let f: ContainerFixture;
let image = '';
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  // an image that declares VOLUME /data and has a file there
  const base = uniqueName('volbase');
  image = `localhost/${uniqueName('volimg')}:latest`;
  const r = await f.tspod(['run', '--name', base, f.image, 'sh', '-c', 'mkdir -p /data && echo seed > /data/f']);
  if (r.code !== 0) throw new Error(r.stderr);
  const c = await f.tspod(['commit', '-q', '-c', 'VOLUME /data', base, image]);
  if (c.code !== 0) throw new Error(c.stderr);
  await f.tspod(['rm', base]);
});
test.after(async () => { if (f) await f.cleanup(); });

const volumes = async () => (await f.tspod(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);

t('an image VOLUME is an anonymous volume filled from the image (nosuid,nodev), removed with rm -v', async () => {
  const name = uniqueName('v');
  const before = await volumes();
  const r = await f.tspod(['run', '--name', name, image, 'sh', '-c', 'cat /data/f; echo more > /data/g; grep " /data " /proc/mounts']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^seed\n\S+ \/data \S+ rw,nosuid,nodev,/);
  const m = JSON.parse((await f.tspod(['inspect', '--format', '{{json .Mounts}}', name])).stdout);
  assert.is(m.length, 1);
  assert.equal([m[0].Type, m[0].Destination, m[0].RW], ['volume', '/data', true]);
  assert.match(m[0].Name, /^[0-9a-f]{64}$/);
  assert.equal((await volumes()).filter((v) => !before.includes(v)), [m[0].Name]);
  assert.is((await f.tspod(['rm', '-v', name])).code, 0);
  assert.not.ok((await volumes()).includes(m[0].Name));
});

t('--image-volume tmpfs: a tmpfs with the image content; ignore: no mount, the image\'s files; a bad mode is refused', async () => {
  let r = await f.tspod(['run', '--rm', '--image-volume', 'tmpfs', image, 'sh', '-c', 'cat /data/f; grep " /data " /proc/mounts']);
  assert.match(r.stdout, /^seed\ntmpfs \/data tmpfs /);
  r = await f.tspod(['run', '--rm', '--image-volume', 'ignore', image, 'sh', '-c', 'cat /data/f; grep -c " /data " /proc/mounts']);
  assert.is(r.stdout, 'seed\n0\n');
  r = await f.tspod(['run', '--rm', '--image-volume', 'bogus', image, 'true']);
  assert.equal([r.code, r.stderr], [125, 'Error: invalid image volume mode "bogus" required value: bind, tmpfs, ignore\n']);
  // -v on the same path wins over the image's volume
  r = await f.tspod(['run', '--rm', '-v', '/data', image, 'sh', '-c', 'ls /data | wc -l']);
  assert.is(r.stdout.trim(), '1', 'the -v volume is filled from the image too');
});

t('--volumes-from: the other container\'s volumes and binds at the same paths, :ro makes them read-only', async () => {
  const src = uniqueName('src'), vol = uniqueName('named');
  assert.is((await f.tspod(['create', '--name', src, '-v', `${vol}:/n1`, image, 'true'])).code, 0);
  let r = await f.tspod(['run', '--rm', '--volumes-from', src, f.image, 'sh', '-c', 'echo x > /n1/x && cat /n1/x; grep -cE " /(n1|data) " /proc/mounts']);
  assert.equal([r.code, r.stdout], [0, 'x\n2\n'], r.stderr);
  r = await f.tspod(['run', '--rm', '--volumes-from', `${src}:ro`, f.image, 'sh', '-c', 'echo y > /n1/y 2>/dev/null || echo read-only']);
  assert.is(r.stdout, 'read-only\n');
  const name = uniqueName('vf');
  assert.is((await f.tspod(['create', '--name', name, '--volumes-from', src, f.image, 'true'])).code, 0);
  assert.is((await f.tspod(['inspect', '--format', '{{json .HostConfig.VolumesFrom}}', name])).stdout.trim(), JSON.stringify([src]));
  // the volumes are src's: removing this one with -v keeps them
  assert.is((await f.tspod(['rm', '-v', name])).code, 0);
  assert.ok((await volumes()).includes(vol));
  r = await f.tspod(['run', '--rm', '--volumes-from', 'no-such-ctr', f.image, 'true']);
  assert.equal([r.code, r.stderr], [125, 'Error: looking up container "no-such-ctr" for volumes-from: no container with name or ID "no-such-ctr" found: no such container\n']);
  await f.tspod(['rm', '-v', src]);
  await f.tspod(['volume', 'rm', vol]);
});

test.run();
