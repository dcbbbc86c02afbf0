// The number formats of `tspod stats`, checked against what podman 4.3 (Go) prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goDuration, humanSize4 } from '../../../cmd/container/stats.ts';

test('goDuration is Go\'s time.Duration String()', () => {
  const cases: [number, string][] = [[0, '0s'], [812, '812ns'], [1500, '1.5µs'], [24301507, '24.301507ms'], [1e6, '1ms'],
    [1619872180, '1.61987218s'], [60e9, '1m0s'], [522168619053, '8m42.168619053s'], [3723e9, '1h2m3s']];
  for (const [ns, want] of cases) assert.is(goDuration(ns), want, String(ns));
});

test('humanSize4 is go-units HumanSizeWithPrecision(n, 4) as podman stats prints sizes', () => {
  const cases: [number, string][] = [[0, '0B'], [516, '516B'], [1032, '1.032kB'], [356400, '356.4kB'], [67108864, '67.11MB'], [25276514304, '25.28GB']];
  for (const [n, want] of cases) assert.is(humanSize4(n), want, String(n));
});

test.run();
