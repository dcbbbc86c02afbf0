#!/usr/bin/env node
// Runs every test file (test/**/*.test.ts) as its own process with uvu, rootful, and those marked
// "@rootless" in their first lines a second time as the unprivileged test user. Ends with the line
// "N passed, N failed, N skipped" that CI reads. Usage: node test/run.mjs [filter-substring ...]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.TSPOD_TEST_FILE_TIMEOUT ?? 300_000);
const JOBS = Number(process.env.TSPOD_TEST_JOBS ?? 2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const files = findTests(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));

// Global fixtures: the test user (rootless), registries and images shared by all files.
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', TSPOD_TEST: '1' };
let rootlessUser;
if (process.getuid() === 0 && existsSync(join(root, 'test/helpers/setup-user.sh'))) {
  try {
    rootlessUser = execFileSync('bash', [join(root, 'test/helpers/setup-user.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
  } catch (e) {
    console.log(`# rootless user setup failed, rootless runs skipped: ${e.message.split('\n')[0]}`);
  }
}
let teardown;
if (existsSync(join(root, 'test/helpers/global-setup.ts'))) {
  const mod = await import(join(root, 'test/helpers/global-setup.ts')).catch(async () => {
    // plain node cannot import .ts: go through tsx's API
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(join(root, 'test/helpers/global-setup.ts'), import.meta.url);
  });
  const r = await mod.globalSetup({ rootlessUser });
  Object.assign(env, r.env ?? {});
  teardown = r.teardown;
}

function rootlessCommand(file) {
  const [user, uid, home] = rootlessUser.split(':');
  const path = `${root}/bin:${root}/node_modules/.bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;
  return ['runuser', ['-u', user, '--', 'env', `HOME=${home}`, `USER=${user}`, `XDG_RUNTIME_DIR=/run/user/${uid}`, `PATH=${path}`,
    'TSPOD_TEST_ROOTLESS=1', process.execPath, '--import', 'tsx', file]];
}

const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of running) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    process.exit(130);
  });
}

function runOne(file, rootless) {
  return new Promise((resolve) => {
    const [cmd, args] = rootless ? rootlessCommand(file) : [process.execPath, ['--import', 'tsx', file]];
    // own process group: a timeout kills the test and everything it started (runuser's child too,
    // which would otherwise keep the pipes open and the runner waiting forever)
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child.pid);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => { out += `\n# timed out after ${FILE_TIMEOUT_MS} ms\n`; try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); } }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      running.delete(child.pid);
      clearTimeout(timer);
      const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
      let total = num('Total'), passed = num('Passed'), skipped = num('Skipped');
      if (Number.isNaN(total)) { total = 1; passed = 0; skipped = 0; }
      // uvu's Total counts the tests that ran: skipped ones are not in it
      let failed = total - passed;
      if (code !== 0 && failed === 0) failed = 1; // crashed after its summary, or never printed one
      resolve({ file, rootless, passed, failed, skipped, out, code });
    });
  });
}

const jobs = [];
for (const f of files) {
  jobs.push([f, false]);
  const head = readFileSync(f, 'utf8').slice(0, 400);
  if (/@rootless/.test(head)) {
    if (rootlessUser) jobs.push([f, true]);
    else console.log(`# skip rootless run of ${relative(root, f)}: no test user (run as root)`);
  }
}

let passed = 0, failed = 0, skipped = 0;
const started = Date.now();
let next = 0;
async function worker() {
  while (next < jobs.length) {
    const [f, rootless] = jobs[next++];
    const r = await runOne(f, rootless);
    passed += r.passed; failed += r.failed; skipped += r.skipped;
    const tag = `${relative(root, f)}${rootless ? ' [rootless]' : ''}`;
    console.log(`${r.failed ? 'FAIL' : 'ok  '} ${tag}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
    if (r.failed || process.env.TSPOD_TEST_VERBOSE) console.log(r.out.split('\n').map((l) => '    ' + l).join('\n'));
  }
}
await Promise.all(Array.from({ length: JOBS }, worker));
if (teardown) await teardown();
console.log(`# ${jobs.length} test runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
