// @rootless
// inspect's NetworkSettings for containers on bridge networks, as podman 4.3 fills it: Networks has an
// entry per network (the address the container has there while it runs: asserted against what the
// container sees; empty fields when it does not run), NetworkID is the network's name, Aliases the
// --network-alias names and the short ID; the top-level address fields only on the default network
// alone; no Networks for host/none. The JSON shape is compared with podman's side by side (rootful).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomInt } from 'node:crypto';
import { containerFixture, missingFeature, podmanPeer, uniqueName, type ContainerFixture, type PodmanPeer } from '../helpers/containers.ts';

const skip = missingFeature();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const tRootful = skip || rootless ? test.skip : test;
let f: ContainerFixture;
let podman: PodmanPeer | undefined;
const net = uniqueName('insp');
const podmanNet = uniqueName('insp');
const subnet = () => `10.${randomInt(150, 200)}.${randomInt(0, 255)}.0/24`;

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  const r = await f.tspod(['network', 'create', '--subnet', subnet(), net]);
  assert.is(r.code, 0, r.stderr);
});
test.after(async () => {
  if (podman) {
    await podman.run(['rm', '-af', '-t', '0']);
    await podman.run(['network', 'rm', '-f', podmanNet]);
    await podman.cleanup();
  }
  if (f) {
    await f.tspod(['rm', '-af', '-t', '0']);
    await f.tspod(['network', 'rm', '-f', net]);
    await f.cleanup();
  }
});

async function settings(run: (a: string[]) => Promise<{ code: number; stdout: string; stderr: string }>, name: string): Promise<any> {
  const r = await run(['inspect', '--format', '{{json .NetworkSettings}}', name]);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}
const tspodRun = (a: string[]) => f.tspod(a);

/** What the container sees on eth0: address/prefix, MAC, default gateway. */
async function seen(name: string): Promise<{ ip: string; prefix: number; mac: string; gw: string }> {
  const r = await f.tspod(['exec', name, 'sh', '-c', "ip -o -4 addr show eth0 | awk '{print $4}'; cat /sys/class/net/eth0/address; ip route | awk '/^default/ {print $3}'"]);
  assert.is(r.code, 0, r.stderr);
  const [cidr, mac, gw] = r.stdout.trim().split('\n');
  const [ip, prefix] = cidr.split('/');
  return { ip, prefix: Number(prefix), mac, gw };
}

t('a user network: Networks[name] holds the address the container has; the top level stays empty', async () => {
  const name = uniqueName('n1');
  const run = await f.tspod(['run', '-d', '--name', name, '--network', net, '--network-alias', 'web1', f.image, 'sleep', '300']);
  assert.is(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  const s = await settings(tspodRun, name);
  const e = s.Networks[net];
  const got = await seen(name);
  assert.equal({ ip: e.IPAddress, prefix: e.IPPrefixLen, mac: e.MacAddress, gw: e.Gateway }, got);
  assert.is(e.NetworkID, net);
  assert.equal(e.Aliases, ['web1', id.slice(0, 12)]);
  assert.equal([e.EndpointID, e.DriverOpts, e.IPAMConfig, e.Links], ['', null, null, null]);
  assert.equal([s.IPAddress, s.Gateway, s.MacAddress, s.IPPrefixLen], ['', '', '', 0], 'podman fills the top level only on the default network');
  assert.ok(s.SandboxKey.includes(id), s.SandboxKey);
  assert.equal(Object.keys(s.Networks), [net]);
  // the idiom scripts use to read a container's address on user networks
  const idiom = await f.tspod(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}', name]);
  assert.is(idiom.stdout, `${net}=${got.ip}\n`);
});

tRootful('the default network alone: the top level repeats its address', async () => {
  const name = uniqueName('n2');
  const run = await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '300']);
  assert.is(run.code, 0, run.stderr);
  const s = await settings(tspodRun, name);
  const e = s.Networks.podman;
  const got = await seen(name);
  assert.equal({ ip: e.IPAddress, prefix: e.IPPrefixLen, mac: e.MacAddress, gw: e.Gateway }, got);
  assert.equal({ ip: s.IPAddress, prefix: s.IPPrefixLen, mac: s.MacAddress, gw: s.Gateway }, got);
  assert.equal(e.Aliases, [run.stdout.trim().slice(0, 12)]);
});

t('not running: an entry per network with empty fields; host and none: no Networks', async () => {
  const name = uniqueName('n3');
  const c = await f.tspod(['create', '--name', name, '--network', `${net},${net}`, f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  const s = await settings(tspodRun, name);
  assert.equal(Object.keys(s.Networks), [net]);
  assert.equal([s.Networks[net].IPAddress, s.Networks[net].MacAddress, s.SandboxKey], ['', '', '']);
  assert.equal(s.Networks[net].Aliases, [c.stdout.trim().slice(0, 12)]);
  for (const mode of ['host', 'none']) {
    const n = uniqueName(mode);
    assert.is((await f.tspod(['create', '--name', n, '--network', mode, f.image, 'true'])).code, 0);
    assert.not.ok('Networks' in (await settings(tspodRun, n)), mode);
  }
});

t('--network container:NAME shows the other container\'s networks', async () => {
  const a = uniqueName('n4');
  assert.is((await f.tspod(['run', '-d', '--name', a, '--network', net, f.image, 'sleep', '300'])).code, 0);
  const b = uniqueName('n4b');
  const r = await f.tspod(['run', '-d', '--name', b, '--network', `container:${a}`, f.image, 'sleep', '300']);
  assert.is(r.code, 0, r.stderr);
  const sa = await settings(tspodRun, a), sb = await settings(tspodRun, b);
  assert.equal(sb.Networks, sa.Networks);
  assert.is(sb.Networks[net].IPAddress, (await seen(b)).ip);
});

/** The JSON with every value replaced by its kind (set or empty), so two engines' answers compare. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  if (typeof v === 'string') return v ? 'string' : '';
  if (typeof v === 'number') return v ? 'number' : 0;
  return v;
}

tRootful('the same shape as podman 4.3 (running on a user network, on the default one, created on two, host)', async () => {
  podman = await podmanPeer(f);
  const pn = await podman.run(['network', 'create', '--subnet', subnet(), podmanNet]);
  assert.is(pn.code, 0, pn.stderr);
  const U = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
  const cases: [string, (n: string) => string[]][] = [
    ['user network, running', (n) => ['run', '-d', '--name', uniqueName('s1'), '--network', n, '--network-alias', 'web1', f.image, 'sleep', '300']],
    ['default network, running', () => ['run', '-d', '--name', uniqueName('s2'), f.image, 'sleep', '300']],
    ['two networks, created', (n) => ['create', '--name', uniqueName('s3'), '--network', `${n},podman`, f.image, 'true']],
    ['host, running', () => ['run', '-d', '--name', uniqueName('s4'), '--network', 'host', f.image, 'sleep', '300']],
  ];
  for (const [what, args] of cases) {
    const mine = await f.tspod(args(net));
    assert.is(mine.code, 0, mine.stderr);
    const theirs = await podman.run([...args(podmanNet).slice(0, 1), ...U, ...args(podmanNet).slice(1)]);
    assert.is(theirs.code, 0, theirs.stderr);
    const a = await settings(tspodRun, mine.stdout.trim());
    const b = await settings((x) => podman!.run(x), theirs.stdout.trim());
    // the network's name differs between the two stores
    const rename = (s: any, from: string) => (s.Networks?.[from] ? { ...s, Networks: Object.fromEntries(Object.entries(s.Networks).map(([k, v]) => [k === from ? 'NET' : k, v])) } : s);
    // as strings: the order of the fields counts too (tools print {{json .NetworkSettings}})
    assert.is(JSON.stringify(shape(rename(a, net))), JSON.stringify(shape(rename(b, podmanNet))), what);
  }
});

test.run();
