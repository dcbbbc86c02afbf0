// Build: compile native/ with the system C compiler, bundle the CLI with esbuild, render man pages.
// Runs as npm's postinstall, so `npm ci` leaves a working bin/tspod. No network needed.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2]; // "native", "js", "man" or nothing for all

if (!only || only === 'native') {
  if (existsSync(join(root, 'native/Makefile'))) {
    execFileSync('make', ['-s', '-C', join(root, 'native')], { stdio: 'inherit' });
  }
}

if (!only || only === 'js') await buildJs();

/**
 * dist/: tspod-HASH.cjs, the CLI as one CommonJS bundle (no ESM: Node 20 caches compiled code only
 * for scripts), its V8 code cache tspod-HASH.cache, made by running `tspod images` once on an empty
 * store, package.json marking dist/ CommonJS, and tspod.js, the loader (scripts/cli-loader.cjs) that bin/tspod runs. The big npm packages
 * only some commands need are separate files (vendor/NAME.cjs) so that they add nothing to the
 * bundle every start reads and deserializes. bench/cli-start has the figures.
 */
async function buildJs() {
  const dist = join(root, 'dist');
  const vendor = ['undici', 'yaml', 'tweetnacl', 'tar-stream'];
  const vendorRe = new RegExp(`^(${vendor.join('|')})$`);
  // `await import('x')` of a vendor package or a node builtin becomes a require() (esbuild keeps
  // import() of externals, which would start Node's ESM loader, ~5 ms, from a script)
  const requireInstead = {
    name: 'require-instead',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (a.namespace === 'require') return { path: a.path, external: true };
        if (vendorRe.test(a.path) && !a.importer.includes('/node_modules/')) return { path: `./vendor/${a.path}.cjs`, namespace: 'require' };
        if (a.kind === 'dynamic-import' && isBuiltin(a.path)) return { path: a.path, namespace: 'require' };
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'require' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
    },
  };
  const common = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning', write: false };
  const main = await build({
    ...common,
    entryPoints: [join(root, 'cmd/entry.ts')],
    outfile: join(dist, 'tspod.cjs'),
    sourcemap: 'external',
    external: ['koffi'],
    plugins: [requireInstead],
    // lazy stand-in: the real one builds costly Unicode tables at load (scripts/shims/string-width.mjs)
    // and node:assert, which yargs loads for two comparisons (scripts/shims/assert.mjs)
    alias: { 'string-width': join(root, 'scripts/shims/string-width.mjs'), assert: join(root, 'scripts/shims/assert.mjs') },
    // yargs and lib/ resolve files and native modules from import.meta.url
    define: { 'import.meta.url': '__tspod_import_meta_url' },
    // one function expression that scripts/cli-loader.cjs compiles and calls like CommonJS' wrapper
    banner: { js: "(function (exports, require, module, __filename, __dirname) { var __tspod_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    footer: { js: '})' },
  });
  // every character ASCII (esbuild leaves some in regular expressions as they are, a "µs" say): the
  // loader then reads the bundle as latin1 and V8 keeps a one-byte source, which measured ~20 M
  // instructions (~6 ms) less at every start than a bundle with a single other character
  const code = main.outputFiles.find((f) => f.path.endsWith('.cjs')).text
    .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const map = main.outputFiles.find((f) => f.path.endsWith('.map')).text;
  const name = `tspod-${createHash('sha256').update(code).digest('hex').slice(0, 12)}`;
  mkdirSync(join(dist, 'vendor'), { recursive: true });
  writeAtomic(join(dist, 'package.json'), '{ "type": "commonjs" }\n');
  writeAtomic(join(dist, `${name}.cjs`), `${code}//# sourceMappingURL=${name}.cjs.map\n`);
  writeAtomic(join(dist, `${name}.cjs.map`), map);
  for (const pkg of vendor) {
    const r = await build({ ...common, stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: root }, outfile: `${pkg}.cjs` });
    writeAtomic(join(dist, 'vendor', `${pkg}.cjs`), r.outputFiles[0].text);
  }
  // the global options that take a value, from the table the CLI parses them with: the loader skips
  // them to find the verb, which picks the code cache
  const globals = await build({ ...common, format: 'esm', entryPoints: [join(root, 'cmd/shared/global.ts')], external: ['yargs'] });
  const { GLOBAL_FLAGS } = await import(`data:text/javascript;base64,${Buffer.from(globals.outputFiles[0].text).toString('base64')}`);
  const valueOptions = GLOBAL_FLAGS.filter((f) => f.type !== 'boolean').map((f) => `--${f.name}`);
  const loader = readFileSync(join(root, 'scripts/cli-loader.cjs'), 'utf8').replace(
    /^const BUILD = .*$/m,
    `const BUILD = ${JSON.stringify({ bundle: `${name}.cjs`, ascii: !/[^\x00-\x7f]/.test(code), valueOptions })};`,
  );
  // the code cache: the loader saves one at exit when none exists; run it once on an empty store.
  // Through yargs, not the fast path (cmd/fast-path.ts): that costs `tspod images` ~1 ms and saves
  // every other command ~5 ms of compiling yargs.
  const train = join(dist, `tspod.train-${process.pid}.js`);
  const tmp = mkdtempSync(join(tmpdir(), 'tspod-build-'));
  try {
    writeFileSync(train, loader);
    const env = { ...process.env, XDG_CACHE_HOME: tmp, TSPOD_NO_FAST_PATH: '1' };
    spawnSync(process.execPath, [train, '--root', join(tmp, 'root'), '--runroot', join(tmp, 'run'), 'images'], { env, stdio: 'ignore', timeout: 60_000 });
    // none written when dist/ already holds an accepted cache for this very bundle
    // (`images` is a hot verb: the loader names the cache it saves after the verb)
    if (existsSync(join(tmp, 'tspod', `${name}.images.cache`))) renameSync(join(tmp, 'tspod', `${name}.images.cache`), join(dist, `${name}.cache`));
    else if (!existsSync(join(dist, `${name}.cache`))) throw new Error('the training run wrote none');
  } catch (err) {
    console.warn(`build: no code cache for the CLI bundle (${err.message}); tspod makes one on first use`);
  } finally {
    rmSync(train, { force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
  // switch, then drop older builds: not the one before (a command just started may still read it)
  // nor files of the last 10 minutes (a build running in parallel)
  const previous = /"bundle":"(tspod-[0-9a-f]+)\.cjs"/.exec(existsSync(join(dist, 'tspod.js')) ? readFileSync(join(dist, 'tspod.js'), 'utf8') : '')?.[1];
  writeAtomic(join(dist, 'tspod.js'), loader);
  const keep = new Set(['tspod.js', 'package.json', 'vendor', ...[name, previous].flatMap((n) => (n ? [`${n}.cjs`, `${n}.cjs.map`, `${n}.cache`] : []))]);
  for (const f of readdirSync(dist)) {
    const age = Date.now() - (statSync(join(dist, f), { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (!keep.has(f) && age > 600_000) rmSync(join(dist, f), { recursive: true, force: true });
  }
}

function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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
