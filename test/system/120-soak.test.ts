// @rootless
// Many tspod processes on one store at once: 50 `run --rm` in parallel (bounded), concurrent creates
// racing for one name. Nothing fails, no name is taken twice, and the store is consistent afterwards.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f } = containerTests();

async function pool<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

function storeContainers(): string[] {
  const dir = join(f.root, 'containers');
  return existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n)) : [];
}

t('50 parallel run --rm: 0 failures, each saw its own output, nothing left behind', async () => {
  const results = await pool(50, 6, (i) => f.tspod(['run', '--rm', '--network', 'none', '--name', uniqueName(`soak${i}`), f.image, 'sh', '-c', `echo run-${i}`], { timeout: 120_000 }));
  const failures = results.map((r, i) => ({ r, i })).filter(({ r, i }) => r.code !== 0 || r.stdout !== `run-${i}\n`);
  assert.is(failures.length, 0, failures.map(({ r, i }) => `#${i}: ${r.code} ${r.stdout} ${r.stderr}`).join('\n'));
  const ps = await f.tspod(['ps', '-aq']);
  assert.is(ps.code, 0);
  assert.is(ps.stdout, '');
  assert.equal(storeContainers(), [], 'no container directories left');
  const names = join(f.root, 'containers', 'names');
  assert.equal(existsSync(names) ? readdirSync(names) : [], [], 'no name claims left');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(f.root));
  assert.equal(mounts, [], 'no rootfs left mounted');
});

t('concurrent creates of one name: exactly one wins, the rest fail with "already in use"', async () => {
  const name = uniqueName('race');
  const results = await pool(8, 8, () => f.tspod(['create', '--network', 'none', '--name', name, f.image, 'true']));
  const ok = results.filter((r) => r.code === 0);
  assert.is(ok.length, 1, results.map((r) => `${r.code} ${r.stderr}`).join('\n'));
  for (const r of results.filter((x) => x.code !== 0)) {
    assert.is(r.code, 125);
    assert.match(r.stderr, /already in use/);
  }
  assert.is(storeContainers().length, 1, 'losers left no records');
  const ps = await f.tspod(['ps', '-a', '--format', '{{.Names}}']);
  assert.is(ps.stdout, `${name}\n`);
  assert.is((await f.tspod(['rm', name])).code, 0);
});

test.run();
