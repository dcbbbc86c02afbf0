// @rootless
// Files of a container: cp both ways (and tar streams with -), diff, export; rename, port, attach.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f, dir } = containerTests({ scratch: 'tspod-files-' });

t('cp host -> container and back, of a stopped container; diff lists A/C/D', async () => {
  const name = uniqueName('files');
  const r = await f.tspod(['run', '--network', 'none', '--name', name, f.image, 'sh', '-c', 'echo made > /tmp/made; rm /etc/group']);
  assert.is(r.code, 0, r.stderr);
  writeFileSync(join(dir, 'in.txt'), 'from host\n');
  const cin = await f.tspod(['cp', join(dir, 'in.txt'), `${name}:/root/`]);
  assert.is(cin.code, 0, cin.stderr);
  const cout = await f.tspod(['cp', `${name}:/root/in.txt`, join(dir, 'back.txt')]);
  assert.is(cout.code, 0, cout.stderr);
  assert.is(readFileSync(join(dir, 'back.txt'), 'utf8'), 'from host\n');
  const made = await f.tspod(['cp', `${name}:/tmp/made`, dir]);
  assert.is(made.code, 0, made.stderr);
  assert.is(readFileSync(join(dir, 'made'), 'utf8'), 'made\n');
  const missing = await f.tspod(['cp', `${name}:/nope`, dir]);
  assert.is(missing.code, 125);
  const d = await f.tspod(['diff', name]);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, /^A \/tmp\/made$/m);
  assert.match(d.stdout, /^D \/etc\/group$/m);
  assert.match(d.stdout, /^C \/tmp$/m);
  assert.match(d.stdout, /^A \/root\/in.txt$/m);
  assert.not.match(d.stdout, /\/etc\/hosts/);
  const ex = await f.tspod(['export', '-o', join(dir, 'fs.tar'), name]);
  assert.is(ex.code, 0, ex.stderr);
  const list = spawnSync('tar', ['-tf', join(dir, 'fs.tar')], { encoding: 'utf8' }).stdout;
  assert.match(list, /^\.\/tmp\/made$/m);
  assert.match(list, /^\.\/bin\/busybox$/m);
  assert.not.match(list, /^\.\/etc\/group$/m);
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('cp to a running container is seen by it; cp - streams a tar', async () => {
  const name = uniqueName('live');
  assert.is((await f.tspod(['run', '-d', '--network', 'none', '--name', name, f.image, 'sleep', '1000'])).code, 0);
  writeFileSync(join(dir, 'live.txt'), 'live\n');
  assert.is((await f.tspod(['cp', join(dir, 'live.txt'), `${name}:/tmp/live.txt`])).code, 0);
  assert.is((await f.tspod(['exec', name, 'cat', '/tmp/live.txt'])).stdout, 'live\n');
  const tarOut = await f.tspod(['cp', `${name}:/etc/passwd`, '-']);
  assert.is(tarOut.code, 0, tarOut.stderr);
  assert.match(tarOut.stdout, /root:x:0:0/);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

t('rename frees the old name; port lists -p mappings', async () => {
  const a = uniqueName('old'), b = uniqueName('new');
  assert.is((await f.tspod(['create', '--name', a, '-p', '18080:80', '-p', '127.0.0.1:18443:443/udp', f.image, 'true'])).code, 0);
  const rn = await f.tspod(['rename', a, b]);
  assert.is(rn.code, 0, rn.stderr);
  assert.is((await f.tspod(['container', 'exists', a])).code, 1);
  assert.is((await f.tspod(['inspect', '--format', '{{.Name}}', b])).stdout, `${b}\n`);
  const p = await f.tspod(['port', b]);
  assert.is(p.code, 0, p.stderr);
  assert.is(p.stdout, '80/tcp -> 0.0.0.0:18080\n443/udp -> 127.0.0.1:18443\n');
  assert.is((await f.tspod(['port', b, '80'])).stdout, '0.0.0.0:18080\n');
  assert.is((await f.tspod(['create', '--name', a, f.image, 'true'])).code, 0, 'old name reusable');
  assert.is((await f.tspod(['rm', a, b])).code, 0);
});

t('attach to a running container relays its output until it exits, with its exit code', async () => {
  const name = uniqueName('att');
  assert.is((await f.tspod(['run', '-d', '--network', 'none', '--name', name, f.image, 'sh', '-c', 'sleep 1; echo late; exit 6'])).code, 0);
  const at = await f.tspod(['attach', name]);
  assert.is(at.code, 6, at.stderr);
  assert.is(at.stdout, 'late\n');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('commit -c/-a/-m makes an image with the changes; export | import -c makes another', async () => {
  const name = uniqueName('cm');
  assert.is((await f.tspod(['run', '--network', 'none', '--name', name, f.image, 'sh', '-c', 'echo committed > /hello; rm /etc/group'])).code, 0);
  const img = uniqueName('img');
  const c = await f.tspod(['commit', '-q', '-f', 'docker', '-a', 'tester', '-m', 'note', '-c', 'CMD ["cat","/hello"]', '-c', 'ENV A=b', name, img]);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, /^[0-9a-f]{64}\n$/);
  const r = await f.tspod(['run', '--rm', '--network', 'none', `localhost/${img}:latest`]);
  assert.is(r.stdout, 'committed\n', r.stderr);
  const r2 = await f.tspod(['run', '--rm', '--network', 'none', `localhost/${img}`, 'sh', '-c', 'echo $A; test -e /etc/group || echo deleted']);
  assert.is(r2.stdout, 'b\ndeleted\n');
  assert.is((await f.tspod(['export', '-o', join(dir, 'c.tar'), name])).code, 0);
  const imp = await f.tspod(['import', '-q', '-c', 'CMD ["/bin/sh","-c","echo imported; cat /hello"]', join(dir, 'c.tar'), `${img}-imp:v1`]);
  assert.is(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const r3 = await f.tspod(['run', '--rm', '--network', 'none', `localhost/${img}-imp:v1`]);
  assert.is(r3.stdout, 'imported\ncommitted\n', r3.stderr);
  assert.is((await f.tspod(['rm', name])).code, 0);
});

test.run();
