// The global options as handlers see them: single values (last wins) and repeatable ones (all kept,
// those before the verb first), and the checks podman makes of their values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { effectiveGlobals, globalIo, takeGlobalFlags } from '../../../cmd/shared/global.ts';
import type { Io } from '../../../cmd/types.ts';

test('repeatable options keep every value, before the verb first; single ones: the last', () => {
  const g: Record<string, unknown> = effectiveGlobals({ storageOpt: ['mountopt=a'], runtimeFlag: 'debug', root: ['/x', '/y'], logLevel: 'warn' }, { storageOpt: ['size=2'], runtimeFlag: ['log=/f'], root: '/z' });
  assert.equal(g.storageOpt, ['mountopt=a', 'size=2']);
  assert.equal(g['storage-opt'], ['mountopt=a', 'size=2']);
  assert.equal(g.runtimeFlag, ['debug', 'log=/f']);
  assert.is(g.root, '/z');
  assert.is(effectiveGlobals({ root: ['/x', '/y'] }).root, '/y');
  assert.not.ok('storageOpt' in effectiveGlobals({ logLevel: 'warn' }));
});

test('values checked as podman checks them', () => {
  const err = (o: Record<string, unknown>) => { try { effectiveGlobals(o); return ''; } catch (e) { return (e as Error).message; } };
  assert.is(err({ eventsBackend: 'bogus' }), 'configuring runtime: "bogus" is not a valid events backend: invalid argument');
  assert.is(err({ eventsBackend: 'journald', cgroupManager: 'systemd' }), '');
  assert.is(err({ cgroupManager: 'x' }), 'configuring runtime: cgroup manager must be one of cgroupfs and systemd: invalid argument');
  assert.is(err({ storageOpt: ['x'] }), 'unable to parse key/value option: x');
  assert.is(err({ remote: true }), '--remote: tspod has no remote client (it runs containers only on this machine): not supported');
  assert.is(err({ remote: false, identity: '/k', ssh: 'native', syslog: true }), '');
  assert.is(err({ url: 'unix:/s' }), '--url: tspod has no remote client (it runs containers only on this machine): not supported');
  assert.is(err({ volumepath: '/v' }), '--volumepath: not supported by tspod');
});

test('takeGlobalFlags: string, boolean and repeatable options before the command', () => {
  const r = takeGlobalFlags(['--root', '/r', '--noout', '--storage-opt=a=1', '--storage-opt', 'b=2', '--rootless-netns', 'sh', '--root', 'x']);
  assert.equal(r.globals, { root: '/r', noout: true, storageOpt: ['a=1', 'b=2'] });
  assert.equal(r.rest, ['--rootless-netns', 'sh', '--root', 'x']);
});

test('--noout: stdout goes nowhere, stderr stays', () => {
  const out = new PassThrough(), err = new PassThrough();
  const io: Io = { stdout: out, stderr: err, stdin: new PassThrough(), env: {} };
  assert.is(globalIo({}, io), io);
  const quiet = globalIo({ noout: true }, io);
  quiet.stdout.write('x\n');
  assert.is(out.read(), null);
  assert.is(quiet.stderr, err);
});

test.run();
