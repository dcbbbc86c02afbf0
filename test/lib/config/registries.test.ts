// registries.conf loading, drop-in merging, prefix matching, location rewriting and mirrors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRegistry, invalidateRegistriesCache, isBlocked, isInsecureRegistry, loadRegistriesConfig, pullSources, refMatchesPrefix,
  registriesConfFiles, registryFor,
} from '../../../lib/config/registries.ts';

const dir = mkdtempSync(join(tmpdir(), 'tspod-registries-'));
const D = 'sha256:' + 'c'.repeat(64);

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  invalidateRegistriesCache();
  return p;
}

const main = write('main.conf', `
unqualified-search-registries = ["example.com", "quay.io"]
short-name-mode = "enforcing"

[[registry]]
location = "example.com"
insecure = true

[[registry]]
prefix = "example.com/team"
location = "mirror.internal:5000/team-copy"

[[registry.mirror]]
location = "m1.internal/team"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "m2.internal/team"
insecure = true

[[registry]]
location = "blocked.example.org"
blocked = true

[[registry]]
prefix = "*.wild.example"
insecure = true

[[registry]]
location = "digests.example"
mirror-by-digest-only = true
[[registry.mirror]]
location = "dm.example"

[aliases]
"tool" = "quay.io/org/tool"
`);
const dropDir = join(dir, 'd');
write('d/10-second.conf', `
unqualified-search-registries = ["registry.fedoraproject.org"]
[aliases]
"tool" = "registry.example.com/tool2"
"extra" = "docker.io/library/extra"
`);
write('d/20-third.conf', `
credential-helpers = ["containers-auth.json", "pass"]
[[registry]]
location = "blocked.example.org"
blocked = false
`);
write('d/ignored.txt', 'this is not toml [[[');
const ctx = { registriesConf: main, registriesDir: dropDir };

test('drop-ins are read in name order, *.conf only', () => {
  const f = registriesConfFiles(ctx);
  assert.is(f.main, main);
  assert.equal(f.dropIns, [join(dropDir, '10-second.conf'), join(dropDir, '20-third.conf')]);
});

test('later files override search registries, aliases key by key, registries by prefix', () => {
  const c = loadRegistriesConfig(ctx);
  assert.equal(c.unqualifiedSearchRegistries, ['registry.fedoraproject.org']);
  assert.is(c.unqualifiedSearchRegistriesOrigin, join(dropDir, '10-second.conf'));
  assert.is(c.shortNameMode, 'enforcing');
  assert.equal(c.credentialHelpers, ['containers-auth.json', 'pass']);
  assert.equal(c.aliases.get('tool'), { value: 'registry.example.com/tool2', origin: join(dropDir, '10-second.conf') });
  assert.equal(c.aliases.get('extra')?.value, 'docker.io/library/extra');
  assert.is(isBlocked('blocked.example.org/x:1', ctx), false);
});

// prefix matching: containers/image TestRefMatchesPrefix
const prefixCases: [string, string, boolean][] = [
  ['example.com', 'example.com', true],
  ['example.com/foo', 'example.com', true],
  ['example.com:5000/foo', 'example.com', true], // documented quirk kept by containers/image
  ['example.com@sha256:x', 'example.com', true],
  ['example.community/foo', 'example.com', false],
  ['example.com/foobar', 'example.com/foo', false],
  ['example.com/foo/bar', 'example.com/foo', true],
  ['ex', 'example.com', false],
  ['a.wild.example/x', '*.wild.example', true],
  ['b.a.wild.example:5000/x', '*.wild.example', false],
  ['wild.example/x', '*.wild.example', false],
];
for (const [ref, prefix, want] of prefixCases) {
  test(`refMatchesPrefix(${ref}, ${prefix}) = ${want}`, () => assert.is(refMatchesPrefix(ref, prefix), want));
}

// registryFor: [ref, location, insecure, blocked, mirrors]
const forCases: [string, string, boolean, boolean, string[]][] = [
  ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', false, false, []],
  ['example.com/img:1', 'example.com/img:1', true, false, []],
  ['example.com/team/app:1', 'mirror.internal:5000/team-copy/app:1', false, false, ['m2.internal/team/app:1']],
  [`example.com/team/app@${D}`, `mirror.internal:5000/team-copy/app@${D}`, false, false, [`m1.internal/team/app@${D}`, `m2.internal/team/app@${D}`]],
  ['x.wild.example/a:1', 'x.wild.example/a:1', true, false, []],
  ['digests.example/a:1', 'digests.example/a:1', false, false, []],
  [`digests.example/a@${D}`, `digests.example/a@${D}`, false, false, [`dm.example/a@${D}`]],
];
for (const [ref, location, insecure, blocked, mirrors] of forCases) {
  test(`registryFor(${ref.slice(0, 50)})`, () => {
    const r = registryFor(ref, ctx);
    assert.equal([r.location, r.insecure, r.blocked, r.mirrors.map((m) => m.location)], [location, insecure, blocked, mirrors]);
  });
}

test('pullSources: mirrors first, then the primary location', () => {
  assert.equal(pullSources(`example.com/team/app@${D}`, ctx).map((s) => [s.reference, s.insecure, s.mirror]), [
    [`m1.internal/team/app@${D}`, false, true],
    [`m2.internal/team/app@${D}`, true, true],
    [`mirror.internal:5000/team-copy/app@${D}`, false, false],
  ]);
  assert.is(isInsecureRegistry('example.com', ctx), true);
  assert.is(isInsecureRegistry('quay.io', ctx), false);
  assert.is(findRegistry('example.com/team/x', ctx)?.prefix, 'example.com/team');
});

test('v1 format [registries.search/insecure/block]', () => {
  const v1 = write('v1.conf', '[registries.search]\nregistries = ["a.example", "b.example"]\n[registries.insecure]\nregistries = ["b.example"]\n[registries.block]\nregistries = ["c.example"]\n');
  const c = { registriesConf: v1, registriesDir: join(dir, 'none') };
  assert.equal(loadRegistriesConfig(c).unqualifiedSearchRegistries, ['a.example', 'b.example']);
  assert.is(isInsecureRegistry('b.example', c), true);
  assert.is(isBlocked('c.example/x', c), true);
});

const errorCases: [string, string, RegExp][] = [
  ['mixed', '[registries.search]\nregistries = ["a"]\n[[registry]]\nlocation = "b"\n', /mixing sysregistry v1\/v2 is not supported/],
  ['scheme', '[[registry]]\nlocation = "https://x.example"\n', /invalid location 'https:\/\/x.example': URI schemes are not supported/],
  ['conflict', '[[registry]]\nlocation = "x.example"\ninsecure = true\n[[registry]]\nprefix = "x.example/a"\nlocation = "x.example"\n', /defined multiple times with conflicting 'insecure' setting/],
  ['usr', 'unqualified-search-registries = ["bad/ns"]\n', /Invalid unqualified-search-registries entry "bad\/ns"/],
  ['mode', 'short-name-mode = "sometimes"\n', /invalid short-name mode: "sometimes"/],
  ['toml', 'unqualified-search-registries = [\n', /loading registries configuration ".*toml.conf"/],
  ['pfm', '[[registry]]\nlocation = "x.example"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "all"\n', /cannot set mirror usage mirror-by-digest-only/],
];
for (const [name, text, re] of errorCases) {
  test(`invalid registries.conf: ${name}`, () => {
    const p = write(`${name}.conf`, text);
    assert.throws(() => loadRegistriesConfig({ registriesConf: p, registriesDir: join(dir, 'none') }), (e: Error) => re.test(e.message) && (e as any).exitCode === 125);
  });
}

// The same bad files through podman: identical messages (it fails before any network access).
const hasPodman = spawnSync('podman', ['--version']).status === 0;
const podmanErrorCases: [string, string][] = [
  ['alias-unqualified', '[aliases]\n"x" = "notqualified"\n'],
  ['alias-tagged-key', '[aliases]\n"x:tag" = "quay.io/x"\n'],
  ['alias-qualified-key', '[aliases]\n"quay.io/x" = "quay.io/x"\n'],
  ['alias-tagged-value', '[aliases]\n"x" = "quay.io/x:1"\n'],
  ['usr-path', 'unqualified-search-registries = ["bad/ns"]\n'],
  ['mode-bad', 'short-name-mode = "sometimes"\n'],
  ['location-scheme', '[[registry]]\nlocation = "https://x.example"\n'],
  ['v1v2', '[registries.search]\nregistries = ["a"]\n[[registry]]\nlocation = "b"\n'],
  ['insecure-conflict', '[[registry]]\nlocation = "x.example"\ninsecure = true\n[[registry]]\nprefix = "x.example/a"\nlocation = "x.example"\n'],
];
for (const [name, text] of podmanErrorCases) {
  test(`same message as podman for a bad registries.conf: ${name}`, () => {
    if (!hasPodman) return console.log('# skip: podman not installed');
    const p = write(`podman-${name}.conf`, text);
    const r = spawnSync('podman', ['pull', '-q', 'tspodtestimg'], { encoding: 'utf8', env: { ...process.env, CONTAINERS_REGISTRIES_CONF: p } });
    assert.is(r.status, 125);
    let ours = '';
    try {
      loadRegistriesConfig({ registriesConf: p });
    } catch (err) {
      ours = `Error: ${(err as Error).message}`;
    }
    assert.is(ours, r.stderr.trim().split('\n').pop());
  });
}

test('an explicit missing file is an error, a missing default is not', () => {
  assert.throws(() => loadRegistriesConfig({ registriesConf: join(dir, 'missing.conf') }), /no such file/);
  const saved = process.env.HOME;
  process.env.HOME = dir; // no ~/.config/containers/registries.conf there
  try {
    const files = registriesConfFiles({ registriesDir: join(dir, 'none') });
    assert.is(files.main, '/etc/containers/registries.conf');
  } finally {
    process.env.HOME = saved;
  }
});

test('user registries.conf replaces the system file and its drop-ins', () => {
  const saved = process.env.HOME;
  process.env.HOME = join(dir, 'home');
  write('home/.config/containers/registries.conf', 'unqualified-search-registries = ["user.example"]\n');
  write('home/.config/containers/registries.conf.d/a.conf', '');
  try {
    const f = registriesConfFiles({});
    assert.is(f.main, join(dir, 'home/.config/containers/registries.conf'));
    assert.equal(f.dropIns, [join(dir, 'home/.config/containers/registries.conf.d/a.conf')]);
    assert.equal(loadRegistriesConfig({}).unqualifiedSearchRegistries, ['user.example']);
  } finally {
    process.env.HOME = saved;
    invalidateRegistriesCache();
  }
});

test('a rewritten file is read again without invalidating by hand', () => {
  const p = join(dir, 'rewrite.conf');
  const c = { registriesConf: p, registriesDir: join(dir, 'none') };
  writeFileSync(p, 'unqualified-search-registries = ["one.example"]\n');
  assert.equal(loadRegistriesConfig(c).unqualifiedSearchRegistries, ['one.example']);
  writeFileSync(p, 'unqualified-search-registries = ["second.example", "third.example"]\n');
  assert.equal(loadRegistriesConfig(c).unqualifiedSearchRegistries, ['second.example', 'third.example']);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
