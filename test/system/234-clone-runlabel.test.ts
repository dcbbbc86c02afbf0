// @rootless
// container clone and container runlabel, as podman 4.3 (compared side by side, rootless, runc):
// the clone made from the original's command line with another name/image/limits, NAME-clone names,
// --destroy (-f), --run; runlabel's IMAGE/NAME/$OPT1/$PWD substitutions, --display, --name,
// --replace, a missing label and a failing command.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, uniqueName } from '../helpers/containers.ts';
import { generateCommand, shellSplit } from '../../cmd/container/runlabel.ts';

const { t, f } = containerTests({ scratch: 'tspod-234-' });

const fmt = async (name: string, format: string) => (await f.tspod(['inspect', '--format', format, name])).stdout.trim();

t('clone: same config, NAME-clone, another name, image argument as podman', async () => {
  const name = uniqueName('src');
  let r = await f.tspod(['create', '--name', name, '--label', 'a=b', '-e', 'FOO=1', '-w', '/tmp', f.image, 'sleep', '100']);
  assert.is(r.code, 0, r.stderr);
  const srcId = r.stdout.trim();
  r = await f.tspod(['container', 'clone', name]);
  assert.is(r.code, 0, r.stderr);
  const cloneId = r.stdout.trim();
  assert.match(cloneId, /^[0-9a-f]{64}$/);
  assert.is.not(cloneId, srcId);
  assert.is(await fmt(cloneId, '{{.Name}}'), `${name}-clone`);
  assert.is(await fmt(cloneId, '{{.Config.Labels.a}} {{.Config.WorkingDir}} {{.Config.Cmd}}'), 'b /tmp [sleep 100]');
  assert.match(await fmt(cloneId, '{{.Config.Env}}'), /FOO=1/);
  // a clone of a clone: NAME-clone1
  r = await f.tspod(['container', 'clone', `${name}-clone`]);
  assert.is(await fmt(r.stdout.trim(), '{{.Name}}'), `${name}-clone1`);
  r = await f.tspod(['container', 'clone', name, `${name}-second`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(await fmt(r.stdout.trim(), '{{.Name}}'), `${name}-second`);
  r = await f.tspod(['container', 'clone', '--name', `${name}-second`, name]);
  assert.is(r.code, 125);
  assert.match(r.stderr, /the container name ".*-second" is already in use/);
  // the third argument is the image; a name in second place that is not a name is refused as podman
  r = await f.tspod(['container', 'clone', name, f.image]);
  assert.is(r.code, 125);
  assert.match(r.stderr, /^Error: running container create option: names must match/);
  await f.tspod(['rm', '-f', name, `${name}-clone`, `${name}-clone1`, `${name}-second`]);
});

t('clone of a run container with --run, --destroy, -f; resource flags', async () => {
  const name = uniqueName('runsrc');
  let r = await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '100']);
  assert.is(r.code, 0, r.stderr);
  assert.match(await fmt(name, '{{.Config.CreateCommand}}'), /run -d --name/);
  r = await f.tspod(['container', 'clone', '--run', '--memory', '64m', name, `${name}-b`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(await fmt(`${name}-b`, '{{.State.Status}}'), 'running');
  assert.is(await fmt(`${name}-b`, '{{.HostConfig.Memory}}'), '67108864');
  // --destroy of a running original without -f: the clone stays, 125
  r = await f.tspod(['container', 'clone', '--destroy', name, `${name}-c`]);
  assert.is(r.code, 125);
  assert.match(r.stderr, /cannot remove container .* as it is running/);
  assert.is((await f.tspod(['container', 'exists', `${name}-c`])).code, 0);
  r = await f.tspod(['container', 'clone', '--destroy', '-f', name, `${name}-d`]);
  assert.is(r.code, 0, r.stderr);
  assert.is((await f.tspod(['container', 'exists', name])).code, 1, 'original removed');
  await f.tspod(['rm', '-f', '-t', '0', `${name}-b`, `${name}-c`, `${name}-d`]);
  r = await f.tspod(['container', 'clone', uniqueName('nope')]);
  assert.is(r.code, 125);
  assert.match(r.stderr, /no such container/);
});

t('runlabel substitutions (unit)', () => {
  assert.equal(shellSplit(`a "b c" 'd e' f\\ g # comment`), ['a', 'b c', 'd e', 'f g']);
  assert.equal(generateCommand('podman run --name NAME -e IMG=IMAGE -e N=${NAME} -e O=$OPT1 -e X=$OTHER IMAGE echo $PWD', 'localhost/lab:1', 'lab', { OPT1: 'o', PWD: '/w' }),
    ['podman', 'run', '--name', 'lab', '-e', 'IMG=localhost/lab:1', '-e', 'N=lab', '-e', 'O=o', '-e', 'X=', 'localhost/lab:1', 'echo', '/w']);
});

t('runlabel runs the label, --display, --name, --replace, errors', async () => {
  const base = uniqueName('lbase');
  const image = `localhost/${uniqueName('lab')}:1`;
  const short = image.split('/')[1].split(':')[0];
  await f.tspod(['create', '--name', base, f.image]);
  let r = await f.tspod(['commit', '-q', '-c', 'LABEL run="podman run --name NAME -e IMG=IMAGE IMAGE echo hi IMAGE"', '-c', 'LABEL install="echo install IMAGE NAME"', '-c', 'LABEL bad="false"', base, image]);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['container', 'runlabel', '--display', 'run', image]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `command: tspod run --name ${short} -e IMG=${image} ${image} echo hi ${image}\n`);
  r = await f.tspod(['container', 'runlabel', '--display', '--name', 'foo', 'install', image, 'extra', 'args']);
  assert.is(r.stdout, `command: tspod install ${image} foo extra args\n`);
  r = await f.tspod(['container', 'runlabel', 'install', image, 'a']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `install ${image} ${short} a\n`);
  r = await f.tspod(['container', 'runlabel', 'run', image]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `hi ${image}\n`);
  assert.is((await f.tspod(['container', 'exists', short])).code, 0, 'the container is named after the image');
  r = await f.tspod(['container', 'runlabel', 'run', image]);
  assert.is(r.code, 125, 'the name is taken');
  assert.match(r.stderr, /failed: exit status 125\n$/);
  r = await f.tspod(['container', 'runlabel', '--replace', 'run', image]);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['container', 'runlabel', 'nolabel', image]);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: cannot find the value of label: nolabel in image: ${image}\n`);
  r = await f.tspod(['container', 'runlabel', 'bad', image]);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: `false` failed: exit status 1\n');
  await f.tspod(['rm', '-f', '-t', '0', short, base]);
  await f.tspod(['rmi', image]);
});

test.run();
