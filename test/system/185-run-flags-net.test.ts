// @rootless
// The network-file flags of run/create: --add-host, --dns, --dns-search, --dns-option, --no-hosts (the
// container's /etc/hosts and /etc/resolv.conf as podman 4.3 writes them), --ip and --network-alias on a
// user network (aardvark-dns resolves the alias; rootless needs /dev/net/tun), podman's create-time
// checks. Rootful with podman installed, the same command lines run under podman 4.3 side by side.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerFixture, missingFeature, podmanPeer, uniqueName, type ContainerFixture, type PodmanPeer } from '../helpers/containers.ts';
import { tunProblem } from '../../lib/netns/index.ts';

const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const skip = missingFeature();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);
let f: ContainerFixture;

// podman as a peer: rootful only; this host cannot raise hard limits, so podman's default ulimits are set low
const withPodman = !skip && !rootless && process.getuid?.() === 0 && spawnSync('podman', ['--version']).status === 0;
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
let peer: PodmanPeer | undefined;
const podman = (args: string[]) => peer!.run(args);

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  if (withPodman) peer = await podmanPeer(f);
});
test.after(async () => {
  if (peer) await peer.cleanup();
  if (f) await f.cleanup();
});

const SHOW = 'cat /etc/hosts; echo ==; cat /etc/resolv.conf 2>/dev/null || echo no-resolv';

/** The host's /etc/hosts as podman re-writes it: comments dropped, "IP<tab>names". */
function baseHosts(): string {
  let out = '';
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const w = line.replace(/#.*/, '').trim().split(/\s+/);
    if (w.length >= 2 && w[0]) out += `${w[0]}\t${w.slice(1).join(' ')}\n`;
  }
  return /\blocalhost\b/.test(out) ? out : out + '127.0.0.1\tlocalhost\n::1\tlocalhost\n';
}

t('--network none: --add-host lines first, the base file, host.containers.internal, the container on 127.0.0.1; no resolv.conf', async () => {
  const name = uniqueName('nn');
  const r = await f.tspod(['run', '--rm', '--network', 'none', '--name', name, '--hostname', 'hh', '--add-host', 'a.b:1.1.1.1', '--add-host', 'v6:fe80::1', f.image, 'sh', '-c', SHOW]);
  assert.is(r.code, 0, r.stderr);
  const [hosts, resolv] = r.stdout.split('==\n');
  assert.ok(hosts.startsWith(`1.1.1.1\ta.b\nfe80::1\tv6\n${baseHosts()}`), hosts);
  assert.match(hosts, new RegExp(`\\thost\\.containers\\.internal\\n127\\.0\\.0\\.1\\thh ${name}\\n$`));
  assert.is(resolv, 'no-resolv\n');
});

t('--network host: --dns/--dns-search/--dns-option written as given, no line for the container; --no-hosts keeps the image\'s (none)', async () => {
  const r = await f.tspod(['run', '--rm', '--network', 'host', '--add-host', 'a:1.1.1.1', '--dns', '9.9.9.9', '--dns', '9.9.9.9', '--dns', 'fe80::1',
    '--dns-search', 'x.com', '--dns-search', 'y.org.', '--dns-option', 'ndots:3', '--dns-option', 'rotate', f.image, 'sh', '-c', SHOW]);
  assert.is(r.code, 0, r.stderr);
  const [hosts, resolv] = r.stdout.split('==\n');
  assert.ok(hosts.startsWith(`1.1.1.1\ta\n${baseHosts()}`), hosts);
  assert.match(hosts, /\thost\.containers\.internal\n$/);
  assert.is(resolv, 'search x.com y.org.\nnameserver 9.9.9.9\nnameserver 9.9.9.9\nnameserver fe80::1\noptions ndots:3 rotate\n');
  const n = await f.tspod(['run', '--rm', '--network', 'none', '--no-hosts', f.image, 'sh', '-c', 'test -e /etc/hosts || echo no-hosts']);
  assert.is(n.stdout, 'no-hosts\n', n.stderr);
  // --dns-search . drops the search line; --dns none makes no resolv.conf
  const d = await f.tspod(['run', '--rm', '--network', 'host', '--dns-search', '.', '--dns', '1.2.3.4', f.image, 'cat', '/etc/resolv.conf']);
  assert.is(d.stdout, 'nameserver 1.2.3.4\n', d.stderr);
  const none = await f.tspod(['run', '--rm', '--network', 'host', '--dns', 'none', f.image, 'sh', '-c', 'test -e /etc/resolv.conf || echo no-resolv']);
  assert.is(none.stdout, 'no-resolv\n', none.stderr);
});

const INSPECT = '{{json .HostConfig.Dns}} {{json .HostConfig.DnsOptions}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.ExtraHosts}}';
const GIVEN = ['--add-host', 'a:1.1.1.1', '--add-host', 'v6:fe80::1', '--dns', '9.9.9.9', '--dns-search', 'x.com', '--dns-option', 'ndots:2'];

t('inspect: HostConfig.Dns, DnsOptions, DnsSearch, ExtraHosts as given', async () => {
  const name = uniqueName('insp');
  assert.is((await f.tspod(['create', '--name', name, ...GIVEN, f.image, 'true'])).code, 0);
  const r = await f.tspod(['inspect', name, '--format', INSPECT]);
  assert.is(r.stdout, '["9.9.9.9"] ["ndots:2"] ["x.com"] ["a:1.1.1.1","v6:fe80::1"]\n', r.stderr);
  await f.tspod(['rm', name]);
});

// [args, podman 4.3's message]; all at create, exit 125
const BAD: [string[], string][] = [
  [['--add-host', 'a'], 'bad format for add-host: "a"'],
  [['--add-host', 'a=1.1.1.1'], 'bad format for add-host: "a=1.1.1.1"'],
  [['--add-host', ':1.1.1.1'], 'bad format for add-host: ":1.1.1.1"'],
  [['--add-host', 'a:1.1.1'], 'invalid IP address in add-host: "1.1.1"'],
  [['--add-host', 'gw:host-gateway'], 'invalid IP address in add-host: "host-gateway"'],
  [['--no-hosts', '--add-host', 'a:1.1.1.1'], '--no-hosts and --add-host cannot be set together'],
  [['--dns', '1.1.1'], '1.1.1 is not an ip address'],
  [['--dns-search', 'bad_dom'], 'bad_dom is not a valid domain'],
  [['--dns-search', '1.2.3'], '1.2.3 is not a valid domain'],
  [['--dns-search', '.', '--dns-search', 'y.com'], "cannot pass additional search domains when also specifying '.'"],
  [['--network', 'none', '--dns', '1.1.1.1'], 'conflicting options: dns and the network mode: none'],
  [['--network', 'none', '--dns-option', 'ndots:1'], 'conflicting options: dns and the network mode: none'],
  [['--ip', '1.2.3'], '"1.2.3" is not an ip address'],
  [['--network', 'host', '--ip', '10.1.1.1'], '--ip can only be set when the network mode is bridge: invalid argument'],
  [['--network', 'none', '--network-alias', 'x'], '--network-alias can only be set when the network mode is bridge: invalid argument'],
  [['--network', 'slirp4netns', '--network-alias', 'x'], '--network-alias can only be set when the network mode is bridge: invalid argument'],
];

t('bad values fail at create with podman\'s messages, exit 125, and leave no container', async () => {
  const prefix = uniqueName('bad');
  const results = await Promise.all(BAD.map(([args], i) => f.tspod(['create', '--name', `${prefix}-${i}`, ...args, f.image, 'true'])));
  BAD.forEach(([args, msg], i) => {
    assert.is(results[i].code, 125, `${args.join(' ')}: ${results[i].stderr}`);
    assert.is(results[i].stderr, `Error: ${msg}\n`, args.join(' '));
  });
  const ps = await f.tspod(['ps', '-a', '--filter', `name=${prefix}`, '--format', '{{.Names}}']);
  assert.is(ps.code, 0, ps.stderr);
  assert.is(ps.stdout, '', 'a failed create left a container');
});

t('user network: --ip and --network-alias; another container resolves the alias (aardvark-dns); a taken or foreign --ip fails at start (126)', async () => {
  const { netavarkBinaries } = await import('../../lib/netns/netavark.ts');
  try { await netavarkBinaries(); } catch (err) { console.log(`# skip: ${(err as Error).message}`); return; }
  const tun = rootless ? tunProblem() : undefined;
  if (tun) { console.log(`# skip: ${tun}`); return; }
  const net = uniqueName('tsnet');
  const third = 100 + Math.floor(Math.random() * 150), fourth = Math.floor(Math.random() * 250);
  const prefix = `10.${third}.${fourth}`;
  const c = await f.tspod(['network', 'create', '--subnet', `${prefix}.0/24`, '--interface-name', `tsb${Math.random().toString(16).slice(2, 8)}`, net]);
  assert.is(c.code, 0, c.stderr);
  const name = uniqueName('aliased');
  let shown = '';
  try {
    const s = await f.tspod(['run', '-d', '--name', name, '--hostname', 'hh', '--network', net, '--ip', `${prefix}.50`, '--network-alias', 'web', '--network-alias', 'www', '--add-host', 'q:1.2.3.4', f.image, 'sleep', '100']);
    assert.is(s.code, 0, s.stderr);
    const e = await f.tspod(['exec', name, 'sh', '-c', SHOW]);
    shown = e.stdout;
    const [hosts, resolv] = e.stdout.split('==\n');
    assert.ok(hosts.startsWith('1.2.3.4\tq\n'), hosts);
    assert.match(hosts, new RegExp(`\\n${prefix}\\.1\\thost\\.containers\\.internal\\n${prefix}\\.50\\thh ${name}\\n$`));
    assert.match(resolv, new RegExp(`^search dns\\.podman\\nnameserver ${prefix}\\.1\\n`));
    let out = '';
    for (let i = 0; i < 20 && !out.includes(`${prefix}.50`); i++) {
      out = (await f.tspod(['run', '--rm', '--network', net, f.image, 'sh', '-c', 'busybox nslookup web; busybox nslookup www.dns.podman'])).stdout;
    }
    assert.match(out, new RegExp(`Name:\\s+web(\\.dns\\.podman)?\\nAddress:\\s+${prefix}\\.50\\n[^]*Name:\\s+www\\.dns\\.podman\\nAddress:\\s+${prefix}\\.50\\n`), out);
    const taken = await f.tspod(['run', '--rm', '--network', net, '--ip', `${prefix}.50`, f.image, 'true']);
    assert.is(taken.code, 126, taken.stderr);
    assert.match(taken.stderr, new RegExp(`^Error: IPAM error: requested ip address ${prefix}\\.50 is already allocated to container ID [0-9a-f]{64}\\n$`));
    const foreign = await f.tspod(['run', '--rm', '--network', net, '--ip', '10.99.99.5', f.image, 'true']);
    assert.is(foreign.code, 126, foreign.stderr);
    assert.is(foreign.stderr, `Error: requested static ip 10.99.99.5 not in any subnet on network ${net}\n`);
  } finally {
    await f.tspod(['rm', '-f', '-t', '0', name]);
    const rm = await f.tspod(['network', 'rm', net]);
    assert.is(rm.code, 0, rm.stderr);
  }
  if (withPodman) {
    // podman 4.3 on a network of the same name and subnet (its own config): the same files, its name aside
    assert.is((await podman(['network', 'create', '--subnet', `${prefix}.0/24`, net])).code, 0);
    try {
      const pn = uniqueName('pod');
      const p = await podman(['run', '--rm', ...ULIMITS, '--name', pn, '--hostname', 'hh', '--network', net, '--ip', `${prefix}.50`, '--network-alias', 'web', '--add-host', 'q:1.2.3.4', f.image, 'sh', '-c', SHOW]);
      assert.is(p.code, 0, p.stderr);
      assert.is(p.stdout.replace(`\thh ${pn}`, `\thh ${name}`), shown);
    } finally {
      await podman(['network', 'rm', '-f', net]);
    }
  }
});

// registered only where podman can run (a skipped test of a file that ran others counts as a failure)
if (!withPodman && !skip) console.log('# podman comparison skipped: rootless run or no podman');
if (withPodman) test('the same command lines under podman 4.3 write the same files and fail the same', async () => {
  const runs: string[][] = [
    ['--network', 'none', '--hostname', 'hh', '--add-host', 'a.b:1.1.1.1', '--add-host', 'v6:fe80::1', '--add-host', 'd e:3.3.3.3'],
    ['--network', 'host', '--add-host', 'a:1.1.1.1', '--dns', '9.9.9.9', '--dns', '9.9.9.9', '--dns-search', 'x.com.', '--dns-option', 'ndots:3', '--dns-option', 'ndots:3'],
    ['--network', 'host', '--dns-search', '.', '--dns', 'fe80::1'],
    ['--network', 'host', '--dns', 'none'],
    ['--network', 'none', '--no-hosts'],
  ];
  for (const args of runs) {
    const name = uniqueName('cmp');
    const cmd = ['run', '--rm', '--name', name, ...args, f.image, 'sh', '-c', 'cat /etc/hosts 2>&1; echo ==; cat /etc/resolv.conf 2>&1'];
    const [a, b] = await Promise.all([f.tspod(cmd), podman([cmd[0], ...ULIMITS, ...cmd.slice(1)])]);
    assert.is(a.stdout, b.stdout, args.join(' '));
    assert.is(a.code, b.code, args.join(' '));
  }
  const name = uniqueName('insp');
  for (const tool of [f.tspod, podman]) {
    assert.is((await tool(['create', '--name', name, ...GIVEN, f.image, 'true'])).code, 0);
  }
  const [ti, pi] = await Promise.all([f.tspod(['inspect', name, '--format', INSPECT]), podman(['inspect', name, '--format', INSPECT])]);
  assert.is(ti.stdout, pi.stdout);
  await Promise.all([f.tspod(['rm', name]), podman(['rm', name])]);
  const ours = await Promise.all(BAD.map(([args]) => f.tspod(['create', ...args, f.image, 'true'])));
  const theirs = await Promise.all(BAD.map(([args]) => podman(['create', ...args, f.image, 'true'])));
  BAD.forEach(([args], i) => {
    assert.is(ours[i].stderr, theirs[i].stderr, args.join(' '));
    assert.is(ours[i].code, theirs[i].code, args.join(' '));
  });
});

test.run();
