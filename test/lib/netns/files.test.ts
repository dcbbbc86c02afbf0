// Generated /etc/hosts and /etc/resolv.conf.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkNetworkFlags, hostsFile, resolvConf, type NetworkFlags } from '../../../lib/netns/files.ts';
import { containerHostsFile, containerResolvConf, type NetworkState } from '../../../lib/netns/index.ts';

test('hostsFile: add-host entries, base, host.containers.internal, the container (podman 4.3 order)', () => {
  const out = hostsFile({ hostname: 'abc123', names: ['web'], ip: '10.88.0.5', hostIp: '10.88.0.1', extraHosts: ['db:10.1.1.1', 'v6:fe80::1'], base: '127.0.0.1\tlocalhost\n' });
  assert.is(out, '10.1.1.1\tdb\nfe80::1\tv6\n127.0.0.1\tlocalhost\n10.88.0.1\thost.containers.internal\n10.88.0.5\tabc123 web\n');
});

test('hostsFile: a base without localhost gets the localhost lines after it; no ip means 127.0.0.1', () => {
  const out = hostsFile({ hostname: 'h', base: '10.0.0.9 foo\n' });
  assert.is(out, '10.0.0.9\tfoo\n127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\th\n');
});

test('hostsFile: the base is re-written without comments; names already given are not repeated', () => {
  const base = '# comment\n127.0.0.1   localhost   loc2 # trailing\n\n::1 ip6-localhost\n10.0.0.9 foo\tbar\n';
  assert.is(hostsFile({ hostname: 'id1', names: ['nn'], ip: '10.88.0.2', hostIp: '10.88.0.1', extraHosts: ['nn:5.5.5.5', 'host.containers.internal:5.5.5.6'], base }),
    '5.5.5.5\tnn\n5.5.5.6\thost.containers.internal\n127.0.0.1\tlocalhost loc2\n::1\tip6-localhost\n10.0.0.9\tfoo bar\n10.88.0.2\tid1\n');
  // the host's network: no line for the container
  assert.is(hostsFile({ hostname: 'h', hostNetwork: true, hostIp: '192.0.2.2', base: '127.0.0.1 localhost\n' }), '127.0.0.1\tlocalhost\n192.0.2.2\thost.containers.internal\n');
});

test('checkNetworkFlags: podman 4.3\'s messages', () => {
  const err = (o: Partial<NetworkFlags>) => { try { checkNetworkFlags({ network: '', rootless: false, ...o }); return ''; } catch (e) { return (e as Error).message; } };
  assert.is(err({ addHost: ['a:1.1.1.1', 'v6:fe80::1'], dns: ['9.9.9.9', 'fe80::1'], dnsSearch: ['x.com.', 'Abc-d.e'], ip: '10.89.0.5', networkAlias: ['w'] }), '');
  assert.is(err({ addHost: ['a=1.1.1.1'] }), 'bad format for add-host: "a=1.1.1.1"');
  assert.is(err({ addHost: ['a:1.1.1'] }), 'invalid IP address in add-host: "1.1.1"');
  assert.is(err({ addHost: ['a:1.1.1.1'], noHosts: true }), '--no-hosts and --add-host cannot be set together');
  assert.is(err({ dns: ['1.1.1'] }), '1.1.1 is not an ip address');
  assert.is(err({ dns: ['none'] }), '');
  assert.is(err({ dnsSearch: ['1.2.3'] }), '1.2.3 is not a valid domain');
  assert.is(err({ dnsSearch: ['bad_dom'] }), 'bad_dom is not a valid domain');
  assert.is(err({ dnsSearch: ['.', 'y.com'] }), "cannot pass additional search domains when also specifying '.'");
  assert.is(err({ network: 'none', dnsOption: ['ndots:1'] }), 'conflicting options: dns and the network mode: none');
  assert.is(err({ ip: '1.2.3' }), '"1.2.3" is not an ip address');
  assert.is(err({ network: 'host', ip: '10.1.1.1' }), '--ip can only be set when the network mode is bridge: invalid argument');
  assert.is(err({ rootless: true, networkAlias: ['x'] }), '--network-alias can only be set when the network mode is bridge: invalid argument');
  assert.is(err({ rootless: true, network: 'mynet', networkAlias: ['x'] }), '');
});

const HOST = 'search example.com\nnameserver 127.0.0.53\nnameserver 192.0.2.53\noptions edns0\n';

test('resolvConf: loopback resolvers dropped, first nameservers prepended, search and options kept', () => {
  assert.is(resolvConf({ hostResolvConf: HOST, nameservers: ['10.0.2.3'] }), 'search example.com\nnameserver 10.0.2.3\nnameserver 192.0.2.53\noptions edns0\n');
});

test('resolvConf: aardvark-dns replaces the host nameservers; --dns, --dns-search, --dns-option override', () => {
  assert.is(resolvConf({ hostResolvConf: HOST, nameservers: ['10.89.0.1'], replaceHostNameservers: true, searches: ['dns.podman'] }),
    'search dns.podman example.com\nnameserver 10.89.0.1\noptions edns0\n');
  assert.is(resolvConf({ hostResolvConf: HOST, dnsServers: ['1.1.1.1'], dnsSearch: ['a.test'], dnsOptions: ['ndots:2'] }),
    'search a.test\nnameserver 1.1.1.1\noptions ndots:2\n');
  // given values are written as given, repeats included; "." alone means no search line
  assert.is(resolvConf({ hostResolvConf: HOST, dnsServers: ['9.9.9.9', '9.9.9.9'], dnsSearch: ['.'], dnsOptions: ['ndots:1', 'ndots:1'] }),
    'nameserver 9.9.9.9\nnameserver 9.9.9.9\noptions ndots:1 ndots:1\n');
});

test('resolvConf: host network keeps loopback resolvers; nothing usable falls back to public DNS', () => {
  assert.match(resolvConf({ hostResolvConf: HOST, hostNetwork: true }), /nameserver 127\.0\.0\.53/);
  assert.is(resolvConf({ hostResolvConf: 'nameserver 127.0.0.1\n' }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('containerHostsFile/containerResolvConf take addresses from the network state', () => {
  const st: NetworkState = { mode: 'slirp4netns', containerId: 'x', runRoot: '/tmp', ports: [], ip: '10.0.2.100', hostIp: '192.0.2.2', dnsServers: ['10.0.2.3'] };
  assert.match(containerHostsFile(st, { hostname: 'c1', base: '' }), /^192\.0\.2\.2\thost\.containers\.internal\n10\.0\.2\.100\tc1\n$/m);
  assert.match(containerResolvConf(st, { hostResolvConf: 'nameserver 192.0.2.53\n' }), /^nameserver 10\.0\.2\.3\nnameserver 192\.0\.2\.53\n$/);
});

test.run();
