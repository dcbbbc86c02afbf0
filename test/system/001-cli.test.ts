// @rootless
// The CLI root through the real binary: help, usage errors and their exit status, shell completion.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TSPOD = join(dirname(fileURLToPath(import.meta.url)), '../../bin/tspod');

function tspod(expect: number, ...args: string[]): { out: string; err: string } {
  const r = spawnSync(TSPOD, args, { encoding: 'utf8', timeout: 30_000, input: '' });
  assert.is(r.status, expect, `tspod ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}

test('--help lists the verbs and exits 0', () => {
  const { out } = tspod(0, '--help');
  for (const verb of ['run', 'images', 'pull', 'skopeo', 'volume', 'network']) assert.match(out, new RegExp(`tspod ${verb}\\b`));
});

test('version lines: tspod --version, and skopeo --version as skopeo prints it (for alias skopeo=tspod skopeo)', () => {
  assert.match(tspod(0, '--version').out, /^tspod version \d+\.\d+\.\d+\n$/);
  for (const flag of ['--version', '-v']) assert.match(tspod(0, 'skopeo', flag).out, /^skopeo version 1\.\d+\.\d+\+tspod\.\d+\.\d+\.\d+\n$/);
});

test('usage errors are one line and exit 125', () => {
  assert.match(tspod(125, 'no-such-verb').err, /^Error: .*no-such-verb/);
  assert.match(tspod(125, 'images', '--no-such-flag').err, /^Error: .*no-such-flag/);
  assert.match(tspod(125, 'image').err, /^Error: missing command 'image COMMAND'/);
});

test('shell completion: the script, and the completions it asks for', () => {
  assert.match(tspod(0, 'completion').out, /--get-yargs-completions/);
  const words = tspod(0, '--get-yargs-completions', 'tspod', 'im').out.split('\n');
  assert.ok(words.includes('images') && words.includes('image'), words.join(' '));
  const sub = tspod(0, '--get-yargs-completions', 'tspod', 'image', '').out.split('\n');
  assert.ok(sub.includes('ls') && sub.includes('pull'), sub.join(' '));
});

test.run();
