// Every verb registered in cmd/commands.ts has a man/tspod-VERB.1.md page (issue 2: one tspod-VERB.1
// per command), each renders with man(1) without warnings, and `tspod completion` prints yargs' script.
// Group aliases (tspod container run, tspod image pull) are `.so` redirects to the main page, as podman's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandGroups, topLevelCommands } from '../../cmd/commands.ts';
import type { CommandModule } from '../../cmd/types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const man = join(root, 'man');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];

// Pages not written yet; an entry whose page appears must leave the list.
const KNOWN_MISSING = new Set<string>([]);

// Another name of a command has podman's alias page: its title line and `.so man1/tspod-VERB.1`.
const SO_PAGE = /^% ([\w-]+)\(1\)\n\.so man1\/([\w-]+)\.1\n$/;

const verb = (c: CommandModule<any>) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0];

function registeredVerbs(): string[] {
  const out = topLevelCommands().map(verb);
  for (const g of commandGroups()) {
    const name = g.command.split(' ')[0];
    out.push(name, ...g.subcommands().map((c) => `${name}-${verb(c)}`));
  }
  return [...new Set(out)];
}

test('every registered verb has a man page (or is listed as known missing)', () => {
  const missing = registeredVerbs().filter((v) => !existsSync(join(man, `tspod-${v}.1.md`)));
  assert.equal(missing.filter((v) => !KNOWN_MISSING.has(v)), [], 'verbs without man/tspod-VERB.1.md');
  const written = [...KNOWN_MISSING].filter((v) => existsSync(join(man, `tspod-${v}.1.md`)));
  assert.equal(written, [], 'pages now written: remove them from KNOWN_MISSING');
  if (missing.length) console.log(`# known missing man pages: ${missing.join(' ')}`);
});

test('man pages: the house sections, a matching title line, rendered without warnings', async () => {
  const hasGroff = spawnSync('groff', ['--version']).status === 0;
  const checks: Promise<void>[] = [];
  // .so requests name man1/PAGE, resolved from the manpath root (man1/'s parent) as man(1) does
  const manRoot = mkdtempSync(join(tmpdir(), 'tspod-096-'));
  symlinkSync(man, join(manRoot, 'man1'));
  let redirects = 0;
  for (const f of readdirSync(man).filter((n) => n.endsWith('.1.md'))) {
    const md = readFileSync(join(man, f), 'utf8');
    const name = f.replace(/\.1\.md$/, '');
    assert.ok(md.startsWith(`% ${name}(1)\n`), `${f}: first line`);
    const so = SO_PAGE.exec(md);
    if (so) {
      redirects++;
      // tspod-container-run -> tspod-run, tspod-image-pull -> tspod-pull
      assert.is(so[2], name.replace(/^tspod-(container|image)-/, 'tspod-'), `${f}: redirect target`);
      assert.ok(existsSync(join(man, `${so[2]}.1.md`)), `${f}: ${so[2]}.1.md does not exist`);
      const page = join(man, `${name}.1`);
      if (hasGroff && existsSync(page)) {
        assert.is(readFileSync(page, 'utf8'), `.so man1/${so[2]}.1\n`, `${name}.1: rendered as the .so line`);
        checks.push(render(`${name}.1`, so[2], manRoot));
      }
      continue;
    }
    for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION']) assert.match(md, new RegExp(`^## ${s}$`, 'm'), `${f}: no ${s}`);
    const page = join(man, `${name}.1`);
    if (!hasGroff || !existsSync(page)) continue; // rendered by scripts/build.mjs
    checks.push(render(`${name}.1`, name, manRoot));
  }
  try {
    await Promise.all(checks);
  } finally {
    rmSync(manRoot, { recursive: true, force: true });
  }
  assert.ok(redirects >= 27, `only ${redirects} alias pages`);
});

/** What man(1) does with man1/PAGE, with every warning on; the output must name `name`. */
function render(page: string, name: string, manRoot: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('groff', ['-ww', '-man', '-Tutf8', join('man1', page)], { encoding: 'utf8', cwd: manRoot }, (err, out, errOut) => {
      if (err) return reject(new Error(`${page}: ${errOut || err.message}`));
      if (errOut) return reject(new Error(`${page}: warnings: ${errOut}`));
      if (!out.includes(name)) return reject(new Error(`${page}: rendered page lacks ${name}`));
      resolve();
    });
  });
}

test('tspod completion prints a bash completion script', () => {
  const r = spawnSync(TSPOD[0], [...TSPOD.slice(1), 'completion'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /_tspod_yargs_completions\(\)/);
  assert.match(r.stdout, /complete .*-F _tspod_yargs_completions tspod/);
});

test.run();
