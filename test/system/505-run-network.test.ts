// @rootless
// Networking and volumes through `tspod run`: a published port reachable from the host, --network
// none with only lo, /etc/hosts and resolv.conf, named volumes that outlive containers, and two
// containers on a user network finding each other by name through aardvark-dns (rootless: netavark
// in the rootless netns).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { containerFixture, missingFeature, uniqueName, type ContainerFixture } from '../helpers/containers.ts';
import { freePort } from '../../lib/netns/ports.ts';
import { tunProblem } from '../../lib/netns/index.ts';

const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const skip = missingFeature() ?? (rootless ? tunProblem() : undefined);
let f: ContainerFixture;
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

test.before(async () => { if (!skip) f = await containerFixture(); });
test.after(async () => { if (f) await f.cleanup(); });

function fetchTcp(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => (buf += d));
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(buf.trim()));
    s.setTimeout(3000, () => s.destroy());
  });
}

async function retry(fn: () => Promise<string>): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const r = await fn();
    if (r) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  return '';
}

t('slirp4netns configures while the runtime creates the container: a taken host port fails the run cleanly (126)', async () => {
  const { createServer } = await import('node:net');
  const { readdirSync, readFileSync } = await import('node:fs');
  const port = await freePort('tcp');
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(port, '0.0.0.0', r));
  const name = uniqueName('taken');
  try {
    const r = await f.tspod(['run', '--rm', '--name', name, '--network', 'slirp4netns', '-p', `${port}:80`, f.image, 'true']);
    assert.is(r.code, 126, r.stderr); // podman run: a container that cannot be started is 126
    assert.match(r.stderr, new RegExp(`publishing port ${port}/tcp`));
    const ps = await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}']);
    assert.is(ps.stdout.trim(), '', 'run --rm left the container');
    // no slirp4netns left for it (its command line names the namespace file of the container)
    const left = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try { return readFileSync(`/proc/${d}/cmdline`, 'utf8').startsWith('slirp4netns') && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(name); } catch { return false; }
    });
    assert.equal(left, []);
  } finally {
    holder.close();
  }
  // and with the port free again the same line works, the network configured before the process runs
  const ok = await f.tspod(['run', '--rm', '--network', 'slirp4netns', '-p', `${port}:80`, f.image, 'sh', '-c', 'ip -4 addr show tap0 | grep -o 10.0.2.100']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout.trim(), '10.0.2.100');
});

t('run -d -p HOST:8080 is reachable from the host; port lists it; rm -f tears it down', async () => {
  const port = await freePort('tcp');
  const name = uniqueName('web');
  const r = await f.tspod(['run', '-d', '--name', name, '-p', `${port}:8080`, f.image, 'sh', '-c', 'echo hello-from-ctr | busybox nc -l -p 8080']);
  assert.is(r.code, 0, r.stderr);
  try {
    assert.is(await retry(() => fetchTcp(port)), 'hello-from-ctr');
    const p = await f.tspod(['port', name]);
    assert.is(p.code, 0, p.stderr);
    assert.match(p.stdout, new RegExp(`8080/tcp -> 0\\.0\\.0\\.0:${port}`));
  } finally {
    const rm = await f.tspod(['rm', '-f', '-t', '0', name]);
    assert.is(rm.code, 0, rm.stderr);
  }
  assert.is(await fetchTcp(port), '', 'nothing listens after rm');
});

t('--network none: only lo', async () => {
  const r = await f.tspod(['run', '--rm', '--network', 'none', f.image, 'sh', '-c', "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'lo\n');
});

t('default network: an interface besides lo, hosts names the container and host.containers.internal, resolv.conf has a nameserver', async () => {
  const name = uniqueName('net');
  const r = await f.tspod(['run', '--rm', '--name', name, '--hostname', 'myhost', f.image, 'sh', '-c',
    "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | grep -v '^lo$' | wc -l; cat /etc/hosts; cat /etc/resolv.conf"]);
  assert.is(r.code, 0, r.stderr);
  const [count, ...rest] = r.stdout.split('\n');
  assert.is(count.trim(), '1');
  const text = rest.join('\n');
  assert.match(text, new RegExp(`^\\S+\\tmyhost ${name}$`, 'm'));
  assert.match(text, /\thost\.containers\.internal$/m);
  assert.match(text, /^nameserver \S+$/m);
});

t('a named volume keeps data across containers and cannot be removed while a container uses it', async () => {
  const vol = uniqueName('vol');
  const w = await f.tspod(['run', '--rm', '-v', `${vol}:/data`, f.image, 'sh', '-c', 'echo persisted > /data/f']);
  assert.is(w.code, 0, w.stderr);
  const rd = await f.tspod(['run', '--rm', '-v', `${vol}:/data:ro`, f.image, 'cat', '/data/f']);
  assert.is(rd.code, 0, rd.stderr);
  assert.is(rd.stdout, 'persisted\n');
  const ls = await f.tspod(['volume', 'ls', '-q']);
  assert.match(ls.stdout, new RegExp(`^${vol}$`, 'm'));
  const holder = uniqueName('holder');
  assert.is((await f.tspod(['create', '--name', holder, '-v', `${vol}:/data`, f.image, 'true'])).code, 0);
  const busy = await f.tspod(['volume', 'rm', vol]);
  assert.is(busy.code, 2, busy.stderr);
  const forced = await f.tspod(['volume', 'rm', '-f', vol]);
  assert.is(forced.code, 0, forced.stderr);
  assert.is((await f.tspod(['container', 'exists', holder])).code, 1, 'rm -f removed the container using it');
  assert.is((await f.tspod(['volume', 'exists', vol])).code, 1);
});

{
  t('user network: containers reach each other by name (aardvark-dns), published port; network rm refuses while in use', async () => {
    const { netavarkBinaries } = await import('../../lib/netns/netavark.ts');
    try { await netavarkBinaries(); } catch (err) { console.log(`# skip: ${(err as Error).message}`); return; }
    const net = uniqueName('tsnet');
    const third = 100 + Math.floor(Math.random() * 150);
    const c = await f.tspod(['network', 'create', '--subnet', `10.${third}.${Math.floor(Math.random() * 250)}.0/24`, '--interface-name', `tsb${Math.random().toString(16).slice(2, 8)}`, net]);
    assert.is(c.code, 0, c.stderr);
    const server = uniqueName('srv');
    const port = await freePort('tcp');
    const s = await f.tspod(['run', '-d', '--name', server, '--network', net, '-p', `127.0.0.1:${port}:8081`, f.image, 'sh', '-c',
      '(echo via-port | busybox nc -l -p 8081 &); echo found-by-name | busybox nc -l -p 8080']);
    assert.is(s.code, 0, s.stderr);
    try {
      assert.is(await retry(() => fetchTcp(port)), 'via-port');
      let out = '';
      for (let i = 0; i < 30 && !out; i++) {
        const r = await f.tspod(['run', '--rm', '--network', net, f.image, 'busybox', 'nc', '-w', '3', server, '8080']);
        out = r.stdout.trim();
        if (!out) await new Promise((res) => setTimeout(res, 200));
      }
      assert.is(out, 'found-by-name');
      const busy = await f.tspod(['network', 'rm', net]);
      assert.is(busy.code, 2, busy.stderr);
    } finally {
      await f.tspod(['rm', '-f', '-t', '0', server]);
    }
    const rm = await f.tspod(['network', 'rm', net]);
    assert.is(rm.code, 0, rm.stderr);
  });

  t('network connect/disconnect: a running container joins a second network and leaves it', async () => {
    const { netavarkBinaries } = await import('../../lib/netns/netavark.ts');
    try { await netavarkBinaries(); } catch (err) { console.log(`# skip: ${(err as Error).message}`); return; }
    const mk = async () => {
      const n = uniqueName('tsnet');
      const c = await f.tspod(['network', 'create', '--subnet', `10.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}.0/24`,
        '--interface-name', `tsb${Math.random().toString(16).slice(2, 8)}`, n]);
      assert.is(c.code, 0, c.stderr);
      return n;
    };
    const [n1, n2] = [await mk(), await mk()];
    const server = uniqueName('srv');
    const s = await f.tspod(['run', '-d', '--name', server, '--network', n1, f.image, 'sh', '-c', 'while true; do echo on-second-net | busybox nc -l -p 8080; done']);
    assert.is(s.code, 0, s.stderr);
    const probe = async () => (await f.tspod(['run', '--rm', '--network', n2, f.image, 'busybox', 'nc', '-w', '2', server, '8080'])).stdout.trim();
    try {
      const c = await f.tspod(['network', 'connect', n2, server]);
      assert.is(c.code, 0, c.stderr);
      let out = '';
      for (let i = 0; i < 20 && !out; i++) out = await probe();
      assert.is(out, 'on-second-net');
      const again = await f.tspod(['network', 'connect', n2, server]);
      assert.is(again.code, 125);
      const d = await f.tspod(['network', 'disconnect', n2, server]);
      assert.is(d.code, 0, d.stderr);
      assert.is(await probe(), '', 'unreachable after disconnect');
    } finally {
      await f.tspod(['rm', '-f', '-t', '0', server]);
      await f.tspod(['network', 'rm', n1, n2]);
    }
  });
}

test.run();
