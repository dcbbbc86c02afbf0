// @rootless
// tspod secret create/ls/inspect/rm and run --secret, as podman 4.3's file driver (compared side by side):
// the store's files, IDs, listings, errors; what the container sees (/run/secrets/NAME 0444, a target
// with uid/mode, an environment variable).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { statSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f, dir } = containerTests({ scratch: 'tspod-248-' });

t('create from stdin and a file, ls, inspect, the file driver\'s store', async () => {
  const a = uniqueName('sa'), b = uniqueName('sb');
  let r = await f.tspod(['secret', 'create', a, '-'], { input: 's3cr3t' });
  assert.is(r.code, 0, r.stderr);
  const idA = r.stdout.trim();
  assert.match(idA, /^[0-9a-f]{25}$/);
  writeFileSync(join(dir, 'data'), 'filedata');
  r = await f.tspod(['secret', 'create', '--label', 'app=web', b, join(dir, 'data')]);
  const idB = r.stdout.trim();
  r = await f.tspod(['secret', 'create', a, join(dir, 'data')]);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: ${a}: secret name in use\n`);
  r = await f.tspod(['secret', 'ls']);
  assert.match(r.stdout, /^ID\s+NAME\s+DRIVER\s+CREATED\s+UPDATED\n/);
  assert.match(r.stdout, new RegExp(`^${idA}  ${a}\\s+file\\s+(Less than a second|\\d+ seconds?) ago`, 'm'));
  r = await f.tspod(['secret', 'ls', '--filter', `name=${b}`, '--format', '{{.ID}} {{.Name}} {{.Driver}}']);
  assert.is(r.stdout, `${idB} ${b} file\n`);
  r = await f.tspod(['secret', 'inspect', b]);
  const [ins] = JSON.parse(r.stdout);
  assert.equal(ins.Spec, { Name: b, Driver: { Name: 'file', Options: { path: join(f.root, 'secrets/filedriver') } }, Labels: { app: 'web' } });
  assert.is(ins.ID, idB);
  assert.match(r.stdout, /^\[\n {4}\{\n {8}"ID"/);
  // podman's files: metadata and base64 data, owner-only
  const meta = JSON.parse(readFileSync(join(f.root, 'secrets/secrets.json'), 'utf8'));
  assert.is(meta.nameToID[a], idA);
  assert.is(meta.idToName[idB], b);
  assert.is(JSON.parse(readFileSync(join(f.root, 'secrets/filedriver/secretsdata.json'), 'utf8'))[idA], Buffer.from('s3cr3t').toString('base64'));
  assert.is(statSync(join(f.root, 'secrets/filedriver/secretsdata.json')).mode & 0o777, 0o600);
  r = await f.tspod(['secret', 'inspect', '--format', '{{.Spec.Name}}', a, 'nosuch-248']);
  assert.is(r.code, 125);
  assert.is(r.stdout, `${a}\n`);
  assert.is(r.stderr, 'Error: inspecting secret: no secret with name or id "nosuch-248": no such secret\n');
  r = await f.tspod(['secret', 'rm', a, b]);
  assert.is(r.stdout, `${idA}\n${idB}\n`, r.stderr);
  r = await f.tspod(['secret', 'rm', a]);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: no secret with name or id "${a}": no such secret\n`);
});

t('create errors: a bad name, an unset --env variable, no data; rm needs a name or --all', async () => {
  let r = await f.tspod(['secret', 'create', 'bad/name', '-'], { input: 'x' });
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: bad/name: invalid secret name\n');
  r = await f.tspod(['secret', 'create', '--env', uniqueName('e'), 'NO_SUCH_VAR_248']);
  assert.is(r.stderr, 'Error: cannot create store secret data: environment variable NO_SUCH_VAR_248 is not set\n');
  const name = uniqueName('env');
  r = await f.tspod(['secret', 'create', '--env', name, 'SECRET_248'], { env: { SECRET_248: 'from-env' } });
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['run', '--rm', '--net', 'none', '--secret', name, f.image, 'cat', `/run/secrets/${name}`]);
  assert.is(r.stdout, 'from-env');
  r = await f.tspod(['secret', 'rm']);
  assert.is(r.code, 125);
  r = await f.tspod(['secret', 'rm', '--all']);
  assert.is(r.code, 0, r.stderr);
  assert.is((await f.tspod(['secret', 'ls', '-q'])).stdout, '');
});

t('run --secret: /run/secrets/NAME 0444, a target with uid and mode, type=env; an unknown one refused', async () => {
  const a = uniqueName('ra'), b = uniqueName('rb');
  await f.tspod(['secret', 'create', a, '-'], { input: 's3cr3t' });
  await f.tspod(['secret', 'create', b, '-'], { input: 'envdata' });
  let r = await f.tspod(['run', '--rm', '--net', 'none', '--secret', a, '--secret', `${b},type=env,target=SEC_ENV`, f.image, 'sh', '-c',
    `stat -c '%a %u %g' /run/secrets/${a}; cat /run/secrets/${a}; echo; echo $SEC_ENV`]);
  assert.is(r.stdout, '444 0 0\ns3cr3t\nenvdata\n', r.stderr);
  r = await f.tspod(['run', '--rm', '--net', 'none', '--secret', `${a},target=/etc/x,mode=0400,uid=1000`, f.image, 'sh', '-c', "stat -c '%a %u' /etc/x; cat /etc/x"]);
  assert.is(r.stdout, '400 1000\ns3cr3t', r.stderr);
  r = await f.tspod(['run', '--rm', '--net', 'none', '--secret', `${b},type=env`, f.image, 'env']);
  assert.ok(r.stdout.split('\n').includes(`${b}=envdata`), r.stdout + r.stderr);
  r = await f.tspod(['create', '--secret', 'nosuch-248', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: no secret with name or id "nosuch-248": no such secret\n');
  r = await f.tspod(['create', '--secret', `${b},type=env,mode=0400`, f.image, 'true']);
  assert.is(r.code, 125);
  assert.match(r.stderr, /UID, GID, Mode options cannot be set with secret type env/);
  // the data is read at each start: not in the container's record
  const name = uniqueName('rc');
  const id = (await f.tspod(['create', '--name', name, '--secret', a, f.image, 'true'])).stdout.trim();
  assert.not.match(readFileSync(join(f.root, 'containers', id, 'config.json'), 'utf8'), 's3cr3t');
  await f.tspod(['rm', name]);
  await f.tspod(['secret', 'rm', a, b]);
});

test.run();
