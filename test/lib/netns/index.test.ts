// @rootless
// setupNetwork/teardownNetwork with the real helpers: slirp4netns and pasta connect a namespace file
// made by `unshare --net`; traffic goes both ways (host port forward into a busybox nc in the
// namespace, and the namespace reaching a server on the host's loopback through slirp's 10.0.2.2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reexecInUserNamespace } from '../../helpers/userns.ts';
import { setupNetwork, teardownNetwork, tunProblem, type NetworkState } from '../../../lib/netns/index.ts';
import { isOurProcess } from '../../../lib/netns/process.ts';

reexecInUserNamespace(import.meta.url);

const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const dir = mkdtempSync(join(tmpdir(), 'tspod-netns-'));
const paths = { graphRoot: join(dir, 'graph'), runRoot: join(dir, 'run') };
const id = () => Math.random().toString(16).slice(2).padEnd(16, '0') + '0'.repeat(48);
const tun = tunProblem();
const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Serve `reply` once from inside the namespace on port, with busybox nc. */
function serveInNetns(netns: string, port: number, reply: string) {
  // nc itself is the child (no shell in between), so kill() stops it; it reads stdin only once connected
  const c = spawn('nsenter', [`--net=${netns}`, 'busybox', 'nc', '-l', '-p', String(port)], { stdio: ['pipe', 'ignore', 'ignore'] });
  c.stdin.end(`${reply}\n`);
  return c;
}

/** Connect to host:port until the namespace's server answers (the forwarder accepts before the server listens). */
async function fetchTcp(host: string, port: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const got = await new Promise<string>((resolve) => {
      const s = connect(port, host);
      let buf = '';
      s.on('data', (d) => (buf += d));
      s.on('error', () => resolve(''));
      s.on('close', () => resolve(buf));
      s.setTimeout(2000, () => s.destroy());
    });
    if (got) return got.trim();
    await new Promise((r) => setTimeout(r, 100));
  }
  return '';
}

function ifaces(netns: string): string {
  return spawnSync('nsenter', [`--net=${netns}`, 'ip', '-o', 'addr'], { encoding: 'utf8' }).stdout;
}

async function assertTornDown(st: NetworkState) {
  const pid = st.slirp?.pid ?? st.pasta?.pid;
  await teardownNetwork(st);
  assert.not.ok(existsSync(st.netnsPath!), 'netns file removed');
  assert.not.ok(isOurProcess(pid, st.netnsPath!), 'helper process stopped');
  await teardownNetwork(st); // idempotent
}

if (tun) {
  test(`skip slirp4netns/pasta: ${tun}`, () => {});
} else {
  test('slirp4netns: tap0 10.0.2.100, host port forwarded into the namespace, teardown stops it', async () => {
    const { netnsPath, ip, state } = await setupNetwork({
      containerId: id(), mode: 'slirp4netns', rootless, ...paths, ports: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 8080, protocol: 'tcp' }],
    });
    try {
      assert.ok(netnsPath && existsSync(netnsPath));
      assert.is(ip, '10.0.2.100');
      assert.match(ifaces(netnsPath!), /tap0\s+inet 10\.0\.2\.100\/24/);
      assert.equal(state.dnsServers, ['10.0.2.3']);
      const hostPort = state.ports[0].hostPort;
      assert.ok(hostPort > 0);
      const srv = serveInNetns(netnsPath!, 8080, 'hello-from-slirp');
      try {
        assert.is(await fetchTcp('127.0.0.1', hostPort), 'hello-from-slirp');
      } finally {
        srv.kill();
      }
    } finally {
      await assertTornDown(state);
    }
  });

  test('slirp4netns: the host loopback is reachable at 10.0.2.2 only with allow_host_loopback=true', async () => {
    const server = createNetServer((sock) => sock.end('host-says-hi\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    // asynchronously: the server answering runs on this event loop (and busybox wget -T crashes, so nc)
    const nc = (ns: string) => new Promise<string>((resolve) => {
      const c = spawn('nsenter', [`--net=${ns}`, 'busybox', 'nc', '-w', '3', '10.0.2.2', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', () => resolve(out.trim()));
    });
    const open = await setupNetwork({ containerId: id(), mode: 'slirp4netns:allow_host_loopback=true', rootless, ...paths });
    const closed = await setupNetwork({ containerId: id(), mode: 'slirp4netns', rootless, ...paths });
    try {
      assert.is(await nc(open.netnsPath!), 'host-says-hi');
      assert.is(await nc(closed.netnsPath!), '', 'disable-host-loopback blocks 10.0.2.2');
    } finally {
      server.close();
      await assertTornDown(open.state);
      await assertTornDown(closed.state);
    }
  });

  test('pasta: host addresses copied in, published port reaches the namespace', async () => {
    if (!have('pasta')) return console.log('# skip: pasta not installed');
    const { netnsPath, state } = await setupNetwork({
      containerId: id(), mode: 'pasta', rootless, ...paths, ports: [{ hostPort: 0, containerPort: 8081, protocol: 'tcp' }],
    });
    try {
      assert.ok(state.pasta?.pid);
      assert.match(ifaces(netnsPath!), /inet \d+\.\d+\.\d+\.\d+\//);
      const srv = serveInNetns(netnsPath!, 8081, 'hello-from-pasta');
      try {
        assert.is(await fetchTcp('127.0.0.1', state.ports[0].hostPort), 'hello-from-pasta');
      } finally {
        srv.kill();
      }
    } finally {
      await assertTornDown(state);
    }
  });
}

test('none and host need no namespace file; teardown of them is a no-op', async () => {
  const none = await setupNetwork({ containerId: id(), mode: 'none', rootless, ...paths });
  assert.is(none.netnsPath, undefined);
  assert.is(none.state.mode, 'none');
  const host = await setupNetwork({ containerId: id(), mode: 'host', rootless, ...paths });
  assert.is(host.netnsPath, undefined);
  await teardownNetwork(none.state);
  await teardownNetwork(host.state);
  await teardownNetwork(undefined);
});

test('a failed setup leaves nothing behind (a port that is taken)', async () => {
  if (tun) return;
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const cid = id();
  try {
    await setupNetwork({ containerId: cid, mode: 'slirp4netns', rootless, ...paths, ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 80, protocol: 'tcp' }] });
    assert.unreachable('setup succeeded on a taken port');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'PORT_FORWARD');
  } finally {
    blocker.close();
  }
  assert.not.ok(existsSync(join(paths.runRoot, 'netns', `netns-${cid}`)));
});

test('the default rootless network follows containers.conf default_rootless_network_cmd', async () => {
  if (tun) return;
  const conf = join(dir, 'containers.conf');
  const { writeFileSync } = await import('node:fs');
  const prev = process.env.CONTAINERS_CONF;
  try {
    for (const cmd of ['pasta', 'slirp4netns']) {
      if (cmd === 'pasta' && !have('pasta')) continue;
      writeFileSync(conf, `[network]\ndefault_rootless_network_cmd = "${cmd}"\n`);
      process.env.CONTAINERS_CONF = conf;
      const r = await setupNetwork({ containerId: id(), mode: '', rootless: true, ...paths });
      try {
        assert.is(r.state.mode, cmd);
      } finally {
        await teardownNetwork(r.state);
      }
    }
  } finally {
    if (prev === undefined) delete process.env.CONTAINERS_CONF;
    else process.env.CONTAINERS_CONF = prev;
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
