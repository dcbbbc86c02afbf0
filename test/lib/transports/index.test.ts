import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageName, listTransportNames, parseImageName } from '../../../lib/transports/index.ts';

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable('expected an error');
}

test('parseImageName: each transport round-trips its reference', async () => {
  const cases: [string, string][] = [
    ['dir:/tmp/x', 'dir:/tmp/x'],
    ['oci:/tmp/layout:v1', 'oci:/tmp/layout:v1'],
    ['oci:/tmp/layout', 'oci:/tmp/layout'],
    ['oci-archive:/tmp/a.tar:tag', 'oci-archive:/tmp/a.tar:tag'],
    ['docker-archive:/tmp/a.tar', 'docker-archive:/tmp/a.tar'],
    ['docker-archive:/tmp/a.tar:busybox', 'docker-archive:/tmp/a.tar:docker.io/library/busybox:latest'],
    ['docker-archive:/tmp/a.tar:@1', 'docker-archive:/tmp/a.tar:@1'],
    ['docker://busybox', 'docker://docker.io/library/busybox:latest'],
    ['docker://127.0.0.1:5000/a/b:1', 'docker://127.0.0.1:5000/a/b:1'],
  ];
  for (const [input, want] of cases) assert.is(imageName(await parseImageName(input)), want, input);
});

test('parseImageName: errors are specific', async () => {
  await rejects(parseImageName('busybox'), /Invalid image name "busybox", expected colon-separated transport:reference/);
  await rejects(parseImageName('nope:x'), /Invalid image name "nope:x", unknown transport "nope"/);
  await rejects(parseImageName('docker-daemon:busybox:latest'), /daemonless/);
  await rejects(parseImageName('docker:busybox'), /does not start with \/\//);
  await rejects(parseImageName('docker://Busybox'), /must be lowercase/);
  await rejects(parseImageName('docker-archive:/x.tar:busybox@sha256:' + 'a'.repeat(64)), /digest references/);
  await rejects(parseImageName('dir:'), /empty path/);
});

test('the registry lists the transports tspod reads and writes', () => {
  for (const n of ['docker', 'oci', 'oci-archive', 'dir', 'docker-archive', 'containers-storage']) assert.ok(listTransportNames().includes(n), n);
});

test.run();
