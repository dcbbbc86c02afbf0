// Options of run/create/exec are read up to the image; the rest is the container's command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUN_FLAGS, humanDuration, parseFlags } from '../../../cmd/container/shared.ts';

test('parseFlags stops at the image; the command keeps its own flags', () => {
  const r = parseFlags(['--rm', '-e', 'A=1', '-eB=2', '-it', '--name=x', 'busybox', 'ls', '-la', '--rm'], RUN_FLAGS);
  assert.equal(r.rest, ['busybox', 'ls', '-la', '--rm']);
  assert.is(r.opts.rm, true);
  assert.equal(r.opts.env, ['A=1', 'B=2']);
  assert.is(r.opts.interactive, true);
  assert.is(r.opts.tty, true);
  assert.is(r.opts.name, 'x');
  assert.is(r.opts.pull, 'missing', 'defaults apply');
});

test('parseFlags: --flag=false, numbers, -- ends options, unknown flags fail', () => {
  assert.is(parseFlags(['--rm=false', 'img'], RUN_FLAGS).opts.rm, false);
  assert.is(parseFlags(['--stop-timeout', '7', 'img'], RUN_FLAGS).opts.stopTimeout, 7);
  assert.equal(parseFlags(['-d', '--', '-img'], RUN_FLAGS).rest, ['-img']);
  assert.throws(() => parseFlags(['--bogus', 'img'], RUN_FLAGS), /unknown flag: --bogus/);
  assert.throws(() => parseFlags(['-Z', 'img'], RUN_FLAGS), /unknown shorthand flag/);
  assert.throws(() => parseFlags(['--name'], RUN_FLAGS), /needs an argument/);
  assert.throws(() => parseFlags(['--stop-timeout', 'x', 'i'], RUN_FLAGS), /parse error/);
});

test('humanDuration: podman wording', () => {
  assert.is(humanDuration(200), 'Less than a second');
  assert.is(humanDuration(1000), '1 second');
  assert.is(humanDuration(42_000), '42 seconds');
  assert.is(humanDuration(70_000), 'About a minute');
  assert.is(humanDuration(5 * 60_000), '5 minutes');
  assert.is(humanDuration(3 * 3600_000), '3 hours');
});

test.run();
