import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goTime, humanDuration, humanSize, table } from '../../../cmd/image/shared.ts';

test('humanSize prints as go-units HumanSizeWithPrecision(size, 3)', () => {
  const cases: [number, string][] = [
    [0, '0 B'], [999, '999 B'], [1000, '1 kB'], [2048, '2.05 kB'], [1987655, '1.99 MB'], [2000000, '2 MB'], [4260000, '4.26 MB'],
    [1504209, '1.5 MB'], [123456789, '123 MB'], [5.5e9, '5.5 GB'],
  ];
  for (const [n, want] of cases) assert.is(humanSize(n), want, String(n));
});

test('humanDuration follows go-units HumanDuration', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  const cases: [number, string][] = [
    [500, 'Less than a second'], [s, '1 second'], [59 * s, '59 seconds'], [m, 'About a minute'], [90 * s, 'About a minute'],
    [4 * m, '4 minutes'], [h, 'About an hour'], [3 * h, '3 hours'], [47 * h, '47 hours'], [3 * d, '3 days'],
    [15 * d, '2 weeks'], [90 * d, '3 months'], [3 * 365 * d, '3 years'],
  ];
  for (const [ms, want] of cases) assert.is(humanDuration(ms), want, String(ms));
});

test('goTime is Go time.Time String() at second precision', () => {
  process.env.TZ = 'UTC';
  assert.is(goTime('2026-11-25T04:38:47.065794908Z'), '2026-11-25 04:38:47 +0000 UTC');
});

test('table pads like tabwriter(12, 2) and leaves the last column alone', () => {
  assert.is(table([['REPOSITORY', 'TAG', 'SIZE'], ['docker.io/library/busybox', 'latest', '1 MB']]),
    'REPOSITORY                 TAG         SIZE\ndocker.io/library/busybox  latest      1 MB\n');
});

test.run();
