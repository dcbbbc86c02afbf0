'use strict';
// dist/tspod.js (scripts/build.mjs writes it from this file): runs the CLI bundle with V8's code cache.
// Why: compiling the bundle costs ~30 ms of CPU on every start, deserializing the cache ~3 ms, and
// Node 20 offers no compile cache for ES modules, hence a CommonJS bundle run through vm.Script
// (bench/cli-start). The cache made at build time sits next to the bundle; when V8 rejects it (another
// node binary, other V8 flags) or it is missing, one is written at exit under
// $XDG_CACHE_HOME/tspod for the next start, as is one per hot verb (HOT_VERBS below). Bundle and
// cache names carry the bundle's content hash, so a cache is never used with another bundle.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { createRequire } = Module;

const BUILD = { bundle: 'tspod.cjs', ascii: false, valueOptions: [] }; // replaced by scripts/build.mjs

const file = path.join(__dirname, BUILD.bundle);
const bytes = fs.readFileSync(file);
// latin1 decoding makes a one-byte string ~4x faster than UTF-8 and is exact for an ASCII file
const source = BUILD.ascii ? bytes.toString('latin1') : bytes.toString('utf8');
const home = process.env.HOME || require('node:os').homedir();
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'tspod');
const shipped = path.join(__dirname, BUILD.bundle.replace(/\.cjs$/, '.cache'));

// The verbs run most often get a cache of their own, saved by their first run: V8 then finds
// compiled what that command runs (the shipped cache holds what `images` ran through yargs, while
// `ps` or `run` take the fast path, cmd/fast-path.ts). `ps -a` starts ~3 ms sooner with its own.
const HOT_VERBS = new Set(['ps', 'run', 'create', 'start', 'stop', 'rm', 'exec', 'logs', 'inspect', 'images', 'container', 'skopeo']);
// global options that take a value as the next argument (cmd/shared/global.ts, listed by the build)
const VALUE_OPTIONS = new Set(BUILD.valueOptions);
function verbOf(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
    if (!a.includes('=') && VALUE_OPTIONS.has(a)) i++;
  }
  return undefined;
}
const verb = verbOf(process.argv.slice(2));
const cacheName = BUILD.bundle.replace(/\.cjs$/, HOT_VERBS.has(verb) ? `.${verb}.cache` : '.cache');
const ownCache = path.join(cacheDir, cacheName);

// a user's own cache: the verb's, or for other verbs one that exists only once the shipped one was
// rejected or missing. A hot verb's first run compiles without any (~30 ms, once), so that the cache
// it saves holds only what that verb runs: less to read and deserialize at every later start.
let cachedData;
for (const p of HOT_VERBS.has(verb) ? [ownCache] : [ownCache, shipped]) {
  try {
    cachedData = fs.readFileSync(p);
    break;
  } catch {
    // try the next
  }
}
// the bundle is one function expression taking CommonJS' module arguments (scripts/build.mjs)
const script = new vm.Script(source, {
  filename: file,
  cachedData,
  // for an import() esbuild leaves in the bundle (a computed specifier)
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
const mustSave = cachedData === undefined || script.cachedDataRejected;
// node started with flags (profiling, debugging) may have other V8 flags: leave the caches alone
// and a failed command (a typo, --help) ran too little to be worth keeping
if (mustSave && process.execArgv.length === 0) process.once('exit', (code) => { if (code === 0) saveCache(); });

function saveCache() {
  try {
    const data = script.createCachedData();
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    // caches of other builds go
    const build = BUILD.bundle.replace(/\.cjs$/, '.');
    for (const f of fs.readdirSync(cacheDir)) if (/^tspod-.*\.cache$/.test(f) && !f.startsWith(build)) fs.rmSync(path.join(cacheDir, f), { force: true });
    const tmp = `${ownCache}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, ownCache);
  } catch {
    // no writable cache directory: the next start compiles again
  }
}

let run = script.runInThisContext();
if (process.sourceMapsEnabled) {
  // node --enable-source-maps: Node 20 maps stack traces of CommonJS modules, not of vm.Script
  const m = new Module(file, module);
  m._compile(`module.exports = ${source}`, file);
  run = m.exports;
}
const mod = { exports: {} };
run(mod.exports, createRequire(file), mod, file, __dirname);
