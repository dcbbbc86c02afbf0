'use strict';
// dist/tspod.js (scripts/build.mjs writes it from this file): runs the CLI bundle with V8's code cache.
// Why: compiling the bundle costs ~30 ms of CPU on every start, deserializing the cache ~3 ms, and
// Node 20 offers no compile cache for ES modules, hence a CommonJS bundle run through vm.Script
// (bench/cli-start). The cache made at build time sits next to the bundle; when V8 rejects it (another
// node binary, other V8 flags) or it is missing, one is written at exit under
// $XDG_CACHE_HOME/tspod for the next start. Bundle and cache names carry the bundle's content hash,
// so a cache is never used with another bundle.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { createRequire } = Module;

const BUILD = { bundle: 'tspod.cjs', ascii: false }; // replaced by scripts/build.mjs

const file = path.join(__dirname, BUILD.bundle);
const bytes = fs.readFileSync(file);
// latin1 decoding makes a one-byte string ~4x faster than UTF-8 and is exact for an ASCII file
const source = BUILD.ascii ? bytes.toString('latin1') : bytes.toString('utf8');
const cacheName = BUILD.bundle.replace(/\.cjs$/, '.cache');
const home = process.env.HOME || require('node:os').homedir();
const ownCache = path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'tspod', cacheName);

// a user's own cache exists only once the shipped one was rejected or missing
let cachedData;
for (const p of [ownCache, path.join(__dirname, cacheName)]) {
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
// node started with flags (profiling, debugging) may have other V8 flags: leave the caches alone
if ((cachedData === undefined || script.cachedDataRejected) && process.execArgv.length === 0) process.once('exit', saveCache);

function saveCache() {
  try {
    const data = script.createCachedData();
    const dir = path.dirname(ownCache);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const f of fs.readdirSync(dir)) if (/^tspod-.*\.cache$/.test(f) && f !== cacheName) fs.rmSync(path.join(dir, f), { force: true });
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
