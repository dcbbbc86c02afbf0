// @rootless
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock, acquireLock } from '../../../lib/lock/index.ts';

const child = join(import.meta.dirname, 'lock-child.ts');
let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'tspod-lock-')); });
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  return { proc: p, done: new Promise<number>((res) => p.on('close', (c) => res(c ?? -1))) };
}

async function waitFor(file: string, text: string) {
  for (let i = 0; i < 500; i++) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(text)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${text}`);
}

test('two processes with exclusive locks never overlap', async () => {
  const lock = join(dir, 'x.lock'), log = join(dir, 'log');
  const a = run([lock, log, 'A', 'excl', '300']);
  const b = run([lock, log, 'B', 'excl', '300']);
  assert.equal(await Promise.all([a.done, b.done]), [0, 0]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.is(lines.length, 4);
  // each "in" is immediately followed by its own "out"
  assert.is(lines[0].split(' ')[0], lines[1].split(' ')[0]);
  assert.is(lines[2].split(' ')[0], lines[3].split(' ')[0]);
  assert.ok(lines[0].endsWith('in') && lines[1].endsWith('out'));
});

test('shared locks overlap', async () => {
  const lock = join(dir, 'x.lock'), log = join(dir, 'log');
  const a = run([lock, log, 'A', 'shared', '600']);
  const b = run([lock, log, 'B', 'shared', '600']);
  assert.equal(await Promise.all([a.done, b.done]), [0, 0]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.ok(lines[0].endsWith('in') && lines[1].endsWith('in'), lines.join(','));
});

test('a process killed with SIGKILL releases its lock; this process waits for it without blocking the event loop', async () => {
  const lock = join(dir, 'x.lock'), log = join(dir, 'log');
  const a = run([lock, log, 'A', 'hang', '0']);
  await waitFor(log, 'A holding');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  let got = false;
  const mine = withLock(lock, () => { got = true; });
  await new Promise((r) => setTimeout(r, 200));
  assert.is(got, false);
  assert.ok(ticks > 3, 'event loop kept running');
  a.proc.kill('SIGKILL');
  await a.done;
  await mine;
  clearInterval(timer);
  assert.is(got, true);
});

test('the lock is released when fn throws', async () => {
  const lock = join(dir, 'x.lock');
  const err = await withLock(lock, () => { throw new Error('boom'); }).then(() => undefined, (e) => e);
  assert.match(String(err), /boom/);
  const held = await acquireLock(lock);
  held.release();
  held.release();
  const log = join(dir, 'log');
  assert.is(await run([lock, log, 'C', 'excl', '0']).done, 0);
});

test.run();
