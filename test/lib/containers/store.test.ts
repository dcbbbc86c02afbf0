// Container records: atomic name claims (stale claims replaced), lookups by ID, name and prefix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerStore } from '../../../lib/containers/store.ts';
import { initialState, type ContainerConfig } from '../../../lib/containers/types.ts';
import { newContainerId } from '../../../lib/containers/names.ts';

const base = mkdtempSync(join(tmpdir(), 'tspod-store-'));
const store = new ContainerStore(join(base, 'g'), join(base, 'r'));
const cfg = (id: string, name: string) => ({ id, names: [name], imageId: 'x' } as unknown as ContainerConfig);

test('create, resolve by ID, name and unique prefix; a name is claimed once', () => {
  const a = newContainerId(), b = newContainerId();
  store.create(cfg(a, 'web'), initialState());
  assert.is(store.resolve(a), a);
  assert.is(store.resolve('web'), a);
  assert.is(store.resolve(a.slice(0, 10)), a);
  assert.throws(() => store.create(cfg(b, 'web'), initialState()), /already in use by/);
  assert.is(store.get(b), undefined, 'the loser left no record');
  assert.throws(() => store.resolve('nope'), /no such container/);
  store.remove(cfg(a, 'web'));
  store.create(cfg(b, 'web'), initialState());
  assert.is(store.resolve('web'), b);
});

test('a claim whose container directory is gone is stale and replaced', () => {
  mkdirSync(store.namesDir, { recursive: true });
  symlinkSync('f'.repeat(64), join(store.namesDir, 'ghost'));
  const id = newContainerId();
  store.create(cfg(id, 'ghost'), initialState());
  assert.is(store.resolve('ghost'), id);
});

test('invalid names are refused', () => {
  assert.throws(() => store.create(cfg(newContainerId(), '-bad'), initialState()), /names must match/);
});

test.after(() => rmSync(base, { recursive: true, force: true }));
test.run();
