// @rootless
// netavark bridge networks: two namespaces on one user network talk to each other, the second
// resolves the first by name through aardvark-dns, a published port reaches the first from the host,
// and teardown removes the bridge and releases the leases. Rootless, the bridge lives in the
// per-user rootless netns (slirp4netns to the outside), which the last container out removes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerResolvConf, setupNetwork, teardownNetwork } from '../../../lib/netns/index.ts';
import { createNetwork } from '../../../lib/netns/networks.ts';
import { reexecInUserNamespace } from '../../helpers/userns.ts';

reexecInUserNamespace(import.meta.url);
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';

const dir = mkdtempSync(join(tmpdir(), 'tspod-bridge-'));
const paths = { graphRoot: join(dir, 'graph'), runRoot: join(dir, 'run') };
const rand = () => Math.random().toString(16).slice(2, 8);
const id = () => (rand() + rand() + '0'.repeat(64)).slice(0, 64);

async function netavarkProblem(): Promise<string | undefined> {
  if (rootless) {
    const { tunProblem } = await import('../../../lib/netns/index.ts');
    const p = tunProblem();
    if (p) return p;
  }
  try {
    const { netavarkBinaries } = await import('../../../lib/netns/netavark.ts');
    await netavarkBinaries();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function serve(netns: string, port: number, reply: string) {
  const c = spawn('nsenter', [`--net=${netns}`, 'busybox', 'nc', '-l', '-p', String(port)], { stdio: ['pipe', 'ignore', 'ignore'] });
  c.stdin.end(`${reply}\n`);
  return c;
}

function ncFrom(netns: string, host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn('nsenter', [`--net=${netns}`, 'busybox', 'nc', '-w', '3', host, String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(out.trim()));
  });
}

function ipIn(netns: string | undefined, args: string[]) {
  return netns ? spawnSync('nsenter', [`--net=${netns}`, 'ip', ...args], { encoding: 'utf8' }) : spawnSync('ip', args, { encoding: 'utf8' });
}

async function retry(fn: () => Promise<string>): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const r = await fn();
    if (r) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  return '';
}

function fromHost(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => (buf += d));
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(buf.trim()));
    s.setTimeout(3000, () => s.destroy());
  });
}

const problem = await netavarkProblem();
if (problem) {
  test(`skip netavark bridge tests: ${problem}`, () => {});
} else {
  test('two containers on a user network: traffic, aardvark-dns names, published port, teardown', async () => {
    const third = 100 + Math.floor(Math.random() * 150);
    const net = await createNetwork(paths.graphRoot, { name: `tsnet-${rand()}`, subnets: [`10.${third}.${Math.floor(Math.random() * 250)}.0/24`], interfaceName: `tsb${rand()}` });
    const [n1, n2] = [`c1-${rand()}`, `c2-${rand()}`];
    const a = await setupNetwork({ containerId: id(), containerName: n1, mode: net.name, rootless, ...paths, ports: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 8080, protocol: 'tcp' }] });
    const b = await setupNetwork({ containerId: id(), containerName: n2, mode: net.name, rootless, ...paths });
    const gw = net.subnets![0].gateway!;
    try {
      assert.ok(a.ip && b.ip && a.ip !== b.ip);
      assert.is(a.state.gateway, gw);
      assert.match(ipIn(a.state.rootlessNetns?.netnsPath, ['-o', 'link', 'show', net.network_interface!]).stdout, new RegExp(net.network_interface!));
      assert.is(!!a.state.rootlessNetns, rootless);
      // container to container
      let srv = serve(a.netnsPath!, 8080, 'a-to-b');
      try {
        assert.is(await retry(() => ncFrom(b.netnsPath!, a.ip!, 8080)), 'a-to-b');
      } finally {
        srv.kill();
      }
      // aardvark-dns on the gateway answers the container name
      assert.is(containerResolvConf(b.state, { hostResolvConf: 'nameserver 192.0.2.53\n' }), `search dns.podman\nnameserver ${gw}\n`);
      // aardvark-dns is started by netavark in the background: give it a moment to bind, as a client would retry.
      let look = spawnSync('true', { encoding: 'utf8' });
      await retry(async () => {
        look = spawnSync('nsenter', [`--net=${b.netnsPath}`, 'busybox', 'nslookup', n1, gw], { encoding: 'utf8' });
        return look.status === 0 ? 'ok' : '';
      });
      assert.match(look.stdout, new RegExp(`Address:\\s+${a.ip!.replace(/\./g, '\\.')}`), look.stdout + look.stderr);
      // published port from the host's loopback
      srv = serve(a.netnsPath!, 8080, 'host-to-a');
      try {
        assert.is(await retry(() => fromHost(a.state.ports[0].hostPort)), 'host-to-a');
      } finally {
        srv.kill();
      }
    } finally {
      await teardownNetwork(a.state);
      await teardownNetwork(b.state);
    }
    assert.not.ok(existsSync(a.netnsPath!));
    if (rootless) assert.not.ok(existsSync(a.state.rootlessNetns!.netnsPath), 'rootless netns removed with the last container');
    else assert.is(ipIn(undefined, ['link', 'show', net.network_interface!]).status, 1, 'bridge removed with the last container');
    const leases = readFileSync(rootless ? join(paths.runRoot, 'networks', 'ipam.json') : '/run/tspod-netavark/ipam.json', 'utf8');
    assert.not.ok(leases.includes(a.state.containerId) || leases.includes(b.state.containerId), 'leases released');
    await teardownNetwork(a.state); // idempotent
  });

  test('a static ip is honoured and cannot be taken twice', async () => {
    const net = await createNetwork(paths.graphRoot, { name: `tsnet-${rand()}`, subnets: [`10.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}.0/24`], interfaceName: `tsb${rand()}`, disableDns: true });
    const ip = net.subnets![0].subnet.replace(/0\/24$/, '77');
    const a = await setupNetwork({ containerId: id(), mode: `${net.name}:ip=${ip}`, rootless, ...paths });
    try {
      assert.is(a.ip, ip);
      try {
        await setupNetwork({ containerId: id(), mode: net.name, staticIp: ip, rootless, ...paths });
        assert.unreachable('second lease of the same ip');
      } catch (err) {
        assert.is((err as { code?: string }).code, 'IP_IN_USE');
      }
    } finally {
      await teardownNetwork(a.state);
    }
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
