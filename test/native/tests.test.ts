// Runs the C unit tests of native/tests (TAP; exit 77 = skip): one uvu test per TAP line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = join(dirname(fileURLToPath(import.meta.url)), '../../native');
const build = spawnSync('make', ['-s', '-C', native, 'tests'], { encoding: 'utf8' });
const sources = readdirSync(join(native, 'tests')).filter((f) => /^tests_.*\.c$/.test(f));

test('native/tests build with the system C compiler', () => {
  assert.is(build.status, 0, build.stderr);
});

for (const src of sources) {
  const bin = join(native, 'build/tests', src.replace(/\.c$/, ''));
  if (!existsSync(bin)) continue;
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 77) {
    test(`${src}: skipped`, () => console.log(`# skip: ${src} exited 77`));
    continue;
  }
  const lines = r.stdout.split('\n');
  const plan = /^1\.\.(\d+)$/m.exec(r.stdout);
  test(`${src}: plan and exit status`, () => {
    assert.ok(plan, `no TAP plan:\n${r.stdout}${r.stderr}`);
    assert.is(lines.filter((l) => /^(not )?ok \d+/.test(l)).length, Number(plan![1]), 'every planned test ran');
    assert.is(r.status, lines.some((l) => l.startsWith('not ok')) ? 1 : 0);
  });
  for (const l of lines) {
    const m = /^(not )?ok \d+ - (.*)$/.exec(l);
    if (!m) continue;
    test(`${src}: ${m[2]}`, () => assert.ok(!m[1], `${l}\n${lines.filter((x) => x.startsWith('#')).join('\n')}`));
  }
}

test.run();
