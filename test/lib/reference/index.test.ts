// Short-name resolution through registries.conf: aliases, unqualified-search registries, modes, and
// podman's error texts (compared with podman itself when it is installed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  recordShortNameAlias, resolveLocalCandidates, resolveShortName, resolveShortNameDetailed,
} from '../../../lib/reference/index.ts';
import { invalidateRegistriesCache } from '../../../lib/config/registries.ts';
import { TspodError } from '../../../lib/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'tspod-shortnames-'));
const emptyDir = join(dir, 'empty.d');
mkdirSync(emptyDir);
process.env.TSPOD_SHORT_NAME_ALIASES_CONF = join(dir, 'cache/short-name-aliases.conf');
const D = 'sha256:' + 'b'.repeat(64);

function conf(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  invalidateRegistriesCache();
  return p;
}

const noUsr = conf('none.conf', '');
const two = conf('two.conf', 'unqualified-search-registries = ["quay.io", "registry.example.com:5000"]\n');
const enforcing = conf('enf.conf', 'short-name-mode = "enforcing"\nunqualified-search-registries = ["quay.io", "registry.example.com:5000"]\n');
const one = conf('one.conf', 'unqualified-search-registries = ["docker.io"]\n');
const permissive = conf('perm.conf', 'short-name-mode = "permissive"\nunqualified-search-registries = ["quay.io", "docker.io"]\n');
const disabled = conf('dis.conf', 'short-name-mode = "disabled"\nunqualified-search-registries = ["quay.io", "docker.io"]\n');
const aliases = conf('alias.conf', 'unqualified-search-registries = ["quay.io", "docker.io"]\n[aliases]\n"tspodtestimg" = "registry.example.com/team/img"\n"ns/thing" = "localhost:5000/other/thing"\n');
const ctx = (registriesConf: string, interactive = false) => ({ registriesConf, registriesDir: emptyDir, interactive });

// [input, conf, interactive, candidates | error]
const cases: [string, string, boolean, string[] | RegExp][] = [
  ['quay.io/a/b', noUsr, false, ['quay.io/a/b:latest']],
  ['docker.io/busybox', noUsr, false, ['docker.io/library/busybox:latest']],
  ['localhost/x:1', noUsr, false, ['localhost/x:1']],
  ['tspodtestimg', noUsr, false, /^short-name "tspodtestimg" did not resolve to an alias and no unqualified-search registries are defined in ".*none\.conf"$/],
  ['tspodtestimg', enforcing, false, /^short-name resolution enforced but cannot prompt without a TTY$/],
  ['tspodtestimg', two, false, ['quay.io/tspodtestimg:latest', 'registry.example.com:5000/tspodtestimg:latest']],
  ['tspodtestimg:1', one, false, ['docker.io/library/tspodtestimg:1']],
  ['foo/bar', one, false, ['docker.io/foo/bar:latest']],
  ['tspodtestimg', permissive, false, ['quay.io/tspodtestimg:latest', 'docker.io/library/tspodtestimg:latest']],
  ['tspodtestimg', disabled, true, ['quay.io/tspodtestimg:latest', 'docker.io/library/tspodtestimg:latest']],
  ['tspodtestimg', enforcing, true, ['quay.io/tspodtestimg:latest', 'registry.example.com:5000/tspodtestimg:latest']],
  ['tspodtestimg', aliases, false, ['registry.example.com/team/img:latest']],
  ['tspodtestimg:v2', aliases, false, ['registry.example.com/team/img:v2']],
  [`tspodtestimg@${D}`, aliases, false, [`registry.example.com/team/img@${D}`]],
  ['ns/thing', aliases, false, ['localhost:5000/other/thing:latest']],
  ['Bad', two, false, /repository name must be lowercase/],
];

for (const [input, file, interactive, want] of cases) {
  test(`resolveShortName(${input}) with ${file.split('/').pop()}${interactive ? ' on a TTY' : ''}`, () => {
    invalidateRegistriesCache();
    if (want instanceof RegExp) {
      try {
        resolveShortName(input, ctx(file, interactive));
        assert.unreachable('should have thrown');
      } catch (err) {
        assert.instance(err, TspodError);
        assert.match((err as Error).message, want);
        assert.is((err as TspodError).exitCode, 125);
      }
    } else {
      assert.equal(resolveShortName(input, ctx(file, interactive)), want);
    }
  });
}

test('descriptions match podman and a TTY asks for a prompt', () => {
  invalidateRegistriesCache();
  const a = resolveShortNameDetailed('tspodtestimg:v2', ctx(aliases));
  assert.is(a.description, `Resolved "tspodtestimg" as an alias (${aliases})`);
  const u = resolveShortNameDetailed('tspodtestimg', ctx(permissive));
  assert.is(u.description, `Resolving "tspodtestimg" using unqualified-search registries (${permissive})`);
  assert.is(u.needsPrompt, false);
  assert.is(resolveShortNameDetailed('tspodtestimg', ctx(enforcing, true)).needsPrompt, true);
  assert.is(resolveShortNameDetailed('tspodtestimg', ctx(two, true)).needsPrompt, true, 'permissive (the default) prompts on a TTY too');
  assert.is(resolveShortNameDetailed('quay.io/x', ctx(enforcing, true)).shortName, false);
});

test('recorded aliases win over registries.conf and are written as TOML', async () => {
  invalidateRegistriesCache();
  await recordShortNameAlias('tspodtestimg:3', 'quay.io/picked/img:3');
  const text = readFileSync(process.env.TSPOD_SHORT_NAME_ALIASES_CONF!, 'utf8');
  assert.match(text, /\[aliases\]/);
  assert.match(text, /tspodtestimg = "quay.io\/picked\/img"/);
  const r = resolveShortNameDetailed('tspodtestimg', ctx(aliases));
  assert.equal(r.candidates, ['quay.io/picked/img:latest']);
  assert.is(r.description, `Resolved "tspodtestimg" as an alias (${process.env.TSPOD_SHORT_NAME_ALIASES_CONF})`);
  await assert.not.throws(() => recordShortNameAlias('other', 'docker.io/library/other'));
  try {
    await recordShortNameAlias('quay.io/x', 'quay.io/x');
    assert.unreachable('not a short name');
  } catch (err) {
    assert.match((err as Error).message, /"quay.io\/x" is not a short name/);
  }
  rmSync(process.env.TSPOD_SHORT_NAME_ALIASES_CONF!);
});

test('local candidates: alias, localhost, then search registries', () => {
  invalidateRegistriesCache();
  assert.equal(resolveLocalCandidates('tspodtestimg', ctx(aliases)), [
    'registry.example.com/team/img:latest', 'localhost/tspodtestimg:latest', 'quay.io/tspodtestimg:latest', 'docker.io/library/tspodtestimg:latest',
  ]);
  assert.equal(resolveLocalCandidates('quay.io/a:1', ctx(aliases)), ['quay.io/a:1']);
});

test('invalid aliases are configuration errors', () => {
  const bad = conf('badalias.conf', '[aliases]\n"x" = "notqualified"\n');
  assert.throws(() => resolveShortName('x', ctx(bad)), /validating short-name aliases: invalid alias "notqualified": must contain registry and repository/);
  const bad2 = conf('badalias2.conf', '[aliases]\n"x:tag" = "quay.io/x"\n');
  assert.throws(() => resolveShortName('y', ctx(bad2)), /invalid short name "x:tag": must not contain tag/);
});

// The same failures through podman, when installed: identical messages (no network is reached).
const hasPodman = spawnSync('podman', ['--version']).status === 0;
const podmanCases: [string, string][] = [
  ['tspodtestimg', noUsr],
  ['tspodtestimg', enforcing],
  ['Bad', enforcing],
  ['bad:', enforcing],
];
for (const [input, file] of podmanCases) {
  test(`same error as podman: pull ${input} with ${file.split('/').pop()}`, () => {
    if (!hasPodman) return console.log('# skip: podman not installed');
    invalidateRegistriesCache();
    const r = spawnSync('podman', ['pull', '-q', input], {
      encoding: 'utf8', env: { ...process.env, CONTAINERS_REGISTRIES_CONF: file }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.is(r.status, 125);
    let ours = '';
    try {
      resolveShortName(input, { registriesConf: file, interactive: false });
    } catch (err) {
      // tspod adds the input in front of podman's "invalid reference format" (issue 2: errors name the image)
      ours = `Error: ${(err as Error).message.replace(`parsing reference ${JSON.stringify(input)}: `, '')}`;
    }
    assert.is(ours, r.stderr.trim().split('\n').pop());
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
