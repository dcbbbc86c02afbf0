// podman's -p syntax, table-driven.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assignHostPorts, expandPorts, parsePortSpec } from '../../../lib/netns/ports.ts';

const cases: [string, object[]][] = [
  ['80', [{ hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp', range: 1 }]],
  ['8080:80', [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1 }]],
  ['127.0.0.1:8080:80/udp', [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp', range: 1 }]],
  ['127.0.0.1::80', [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp', range: 1 }]],
  ['[::1]:8080:80', [{ hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1 }]],
  ['8000-8002:80-82', [{ hostIp: '', hostPort: 8000, containerPort: 80, protocol: 'tcp', range: 3 }]],
  ['53:53/tcp,udp', [
    { hostIp: '', hostPort: 53, containerPort: 53, protocol: 'tcp', range: 1 },
    { hostIp: '', hostPort: 53, containerPort: 53, protocol: 'udp', range: 1 },
  ]],
];

for (const [spec, want] of cases) {
  test(`parsePortSpec ${spec}`, () => assert.equal(parsePortSpec(spec), want));
}

for (const bad of ['', 'x', '0', '70000', '1:2:3:4', '80/icmp', '8000-8002:80-81', '90-80']) {
  test(`parsePortSpec rejects "${bad}"`, () => {
    try {
      parsePortSpec(bad);
      assert.unreachable('accepted');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'INVALID_PORT');
    }
  });
}

test('assignHostPorts fills 0 with a free port and keeps given ones', async () => {
  const [a, b] = await assignHostPorts([...parsePortSpec('80'), ...parsePortSpec('9999:81')]);
  assert.ok(a.hostPort > 0 && a.hostPort < 65536);
  assert.is(b.hostPort, 9999);
});

test('expandPorts turns a range into single ports', () => {
  assert.equal(expandPorts(parsePortSpec('8000-8001:80-81')).map((p) => `${p.hostPort}:${p.containerPort}`), ['8000:80', '8001:81']);
});

test.run();
