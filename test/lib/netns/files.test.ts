// Generated /etc/hosts and /etc/resolv.conf.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostsFile, resolvConf } from '../../../lib/netns/files.ts';
import { containerHostsFile, containerResolvConf, type NetworkState } from '../../../lib/netns/index.ts';

test('hostsFile: add-host entries, base, the container, host.containers.internal', () => {
  const out = hostsFile({ hostname: 'abc123', names: ['web'], ip: '10.88.0.5', hostIp: '10.88.0.1', extraHosts: ['db:10.1.1.1'], base: '127.0.0.1\tlocalhost\n' });
  assert.is(out, '10.1.1.1\tdb\n127.0.0.1\tlocalhost\n10.88.0.5\tabc123 web\n10.88.0.1\thost.containers.internal\n');
});

test('hostsFile: a base without localhost gets the localhost lines; no ip means 127.0.1.1', () => {
  const out = hostsFile({ hostname: 'h', base: '' });
  assert.match(out, /^127\.0\.0\.1\tlocalhost /);
  assert.match(out, /^::1\tlocalhost /m);
  assert.match(out, /^127\.0\.1\.1\th$/m);
  assert.not.match(out, /host\.containers\.internal/);
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
});

test('resolvConf: host network keeps loopback resolvers; nothing usable falls back to public DNS', () => {
  assert.match(resolvConf({ hostResolvConf: HOST, hostNetwork: true }), /nameserver 127\.0\.0\.53/);
  assert.is(resolvConf({ hostResolvConf: 'nameserver 127.0.0.1\n' }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('containerHostsFile/containerResolvConf take addresses from the network state', () => {
  const st: NetworkState = { mode: 'slirp4netns', containerId: 'x', runRoot: '/tmp', ports: [], ip: '10.0.2.100', hostIp: '192.0.2.2', dnsServers: ['10.0.2.3'] };
  assert.match(containerHostsFile(st, { hostname: 'c1', base: '' }), /^10\.0\.2\.100\tc1\n192\.0\.2\.2\thost\.containers\.internal\n$/m);
  assert.match(containerResolvConf(st, { hostResolvConf: 'nameserver 192.0.2.53\n' }), /^nameserver 10\.0\.2\.3\nnameserver 192\.0\.2\.53\n$/);
});

test.run();
