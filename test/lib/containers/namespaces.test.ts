// Namespaces shared with other containers: lookups and errors at create, the paths at start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dependencies, namespacePaths, networkToSetUp, resolveSharedMode } from '../../../lib/containers/namespaces.ts';
import { NoSuchContainerError } from '../../../lib/containers/store.ts';
import type { ContainerConfig } from '../../../lib/containers/types.ts';

const A = 'a'.repeat(64), B = 'b'.repeat(64);
const resolve = (ref: string) => {
  if (A.startsWith(ref) || ref === 'web') return A;
  throw new NoSuchContainerError(ref);
};
const message = (fn: () => unknown) => { try { fn(); return ''; } catch (e) { return (e as Error).message; } };

test('resolveSharedMode: container:REF by full ID, podman\'s errors, other modes unchanged', () => {
  assert.is(resolveSharedMode('pid', 'container:web', resolve), `container:${A}`);
  assert.is(resolveSharedMode('uts', 'container:aaaa', resolve), `container:${A}`);
  for (const m of [undefined, 'host', 'private', 'bridge', 'ns:/proc/self/ns/net']) assert.is(resolveSharedMode('net', m, resolve), m);
  assert.is(message(() => resolveSharedMode('ipc', 'container:x', resolve)), 'looking up container to share ipc namespace with: no container with name or ID "x" found: no such container');
  assert.is(message(() => resolveSharedMode('pid', 'container:', resolve)), 'invalid config provided: namespace mode container requires a value');
  assert.is(message(() => resolveSharedMode('uts', 'ns:/nonexistent', resolve)), 'cannot find specified UTS namespace path: stat /nonexistent: no such file or directory');
});

const cfg = (o: Partial<ContainerConfig>) => ({ network: '', ...o }) as ContainerConfig;

test('dependencies once each, in podman\'s order; paths from the PID of each', async () => {
  const c = cfg({ pidMode: `container:${B}`, ipcMode: `container:${A}`, utsMode: 'ns:/proc/1/ns/uts', network: `container:${A}` });
  assert.equal(dependencies(c), [A, B]);
  const asked: string[] = [];
  const paths = await namespacePaths(c, async (id) => { asked.push(id); return id === A ? 10 : 20; });
  assert.equal(asked, [A, B]);
  assert.equal(paths, { ipc: '/proc/10/ns/ipc', net: '/proc/10/ns/net', pid: '/proc/20/ns/pid', uts: '/proc/1/ns/uts' });
  assert.equal(await namespacePaths(cfg({ pidMode: 'host' }), async () => { assert.unreachable(); return 0; }), {});
});

test('networkToSetUp: the namespace path, or the host network of a host-network container', () => {
  const c = cfg({ network: `container:${A}` });
  assert.is(networkToSetUp(c, { net: '/proc/10/ns/net' }, () => 'bridge'), 'ns:/proc/10/ns/net');
  assert.is(networkToSetUp(c, { net: '/proc/10/ns/net' }, () => 'host'), 'host');
  assert.is(networkToSetUp(cfg({ network: 'podman' }), {}, () => 'host'), 'podman');
});

test.run();
