// Build: compile native/ with the system C compiler, bundle the CLI with esbuild, render man pages.
// Runs as npm's postinstall, so `npm ci` leaves a working bin/tspod. No network needed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2]; // "native", "js", "man" or nothing for all

if (!only || only === 'native') {
  if (existsSync(join(root, 'native/Makefile'))) {
    execFileSync('make', ['-s', '-C', join(root, 'native')], { stdio: 'inherit' });
  }
}

if (!only || only === 'js') {
  await build({
    entryPoints: [join(root, 'cmd/entry.ts')],
    outdir: join(root, 'dist'),
    entryNames: 'tspod',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    external: ['koffi'],
    // lazy stand-in: the real one builds costly Unicode tables at load (scripts/shims/string-width.mjs)
    alias: { 'string-width': join(root, 'scripts/shims/string-width.mjs') },
    logLevel: 'warning',
    // yargs and others use require() in places; give ESM output a require.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

if ((!only || only === 'man') && existsSync(join(root, 'man'))) {
  const { renderMan } = await import('./man.mjs');
  for (const f of readdirSync(join(root, 'man'))) {
    if (!f.endsWith('.1.md') && !f.endsWith('.5.md')) continue;
    const out = join(root, 'man', f.replace(/\.md$/, ''));
    writeFileSync(out, renderMan(readFileSync(join(root, 'man', f), 'utf8'), join(root, 'man')));
  }
}
mkdirSync(join(root, 'bin'), { recursive: true });
