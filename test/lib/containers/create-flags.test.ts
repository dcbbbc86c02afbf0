// lib/containers/create-flags.ts: podman 4.3's parsing of --expose, --label-file, --platform, --env-host, --cidfile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostEnv, parseExpose, parsePlatform, platformMatches, platformWarning, readLabelFiles, writeCidFile } from '../../../lib/containers/create-flags.ts';

test('parseExpose: ranges, protocols (case, empty = tcp, comma lists as separate flags), duplicates once', () => {
  assert.equal(parseExpose(['80', '53/udp', '7-8/UDP', '80/', '80/tcp']), ['80/tcp', '53/udp', '7/udp', '8/udp']);
  assert.equal(parseExpose(['1,2/udp']), ['1/tcp', '2/udp']);
  assert.throws(() => parseExpose(['65536']), /value out of range/);
  assert.throws(() => parseExpose(['5-5']), /5 is not higher than 5/);
});

test('readLabelFiles: CRLF, comments, bare keys skipped, later files win', () => {
  const d = mkdtempSync(join(tmpdir(), 'tspod-cf-'));
  try {
    writeFileSync(join(d, 'a'), 'x=1\r\n#c\r\nbare\r\ny= 2 \r\n');
    writeFileSync(join(d, 'b'), 'x=3\n');
    assert.equal(readLabelFiles([join(d, 'a'), join(d, 'b')]), { x: '3', y: ' 2 ' });
    assert.throws(() => readLabelFiles([join(d, 'none')]), /unable to process labels: open/);
  } finally { rmSync(d, { recursive: true }); }
});

test('parsePlatform / platformMatches / platformWarning', () => {
  assert.equal(parsePlatform('linux/x86_64', 'i'), { os: 'linux', arch: 'amd64', variant: undefined });
  assert.ok(platformMatches(parsePlatform('linux/arm64/v8', 'i'), { os: 'linux', architecture: 'arm64' }));
  assert.not.ok(platformMatches(parsePlatform('linux/arm/v7', 'i'), { os: 'linux', architecture: 'arm', variant: 'v6' }));
  assert.not.ok(platformMatches(parsePlatform('linux/amd64/v9', 'i'), { os: 'linux', architecture: 'amd64' }));
  // podman 4.3: an empty component or a bad one is refused (the host's ARCH when none is given)
  assert.throws(() => parsePlatform('linux//', 'img'), /"" is an invalid component of "linux\/\/"/);
  const host = process.arch === 'x64' ? 'amd64' : process.arch;
  assert.throws(() => parsePlatform('lin.ux', 'img'), new RegExp(`^checking platform of image img: parsing host platform: "lin.ux" is an invalid component of "lin.ux/${host}": platform specifier component must match "\\^\\[A-Za-z0-9_-\\]\\+\\$": invalid argument$`));
  assert.throws(() => parsePlatform('linux/amd64/', 'img'), /"" is an invalid component of "linux\/amd64\/"/);
  assert.throws(() => parsePlatform('a/b/c/d', 'img'), /"a\/b\/c\/d": cannot parse platform specifier: invalid argument$/);
  assert.is(platformWarning({ os: 'linux', arch: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'amd64' }),
    'WARNING: image platform ({amd64 linux  [] }) does not match the expected platform ({arm linux  [] v7})\n');
});

test('hostEnv: TMPDIR=/var/tmp when unset, launcher variables left out', () => {
  assert.equal(hostEnv({ A: '1', _TSPOD_SELF: 'x' }), ['A=1', 'TMPDIR=/var/tmp']);
  assert.equal(hostEnv({ TMPDIR: '/t' }), ['TMPDIR=/t']);
});

test('writeCidFile: exclusive, no newline', () => {
  const d = mkdtempSync(join(tmpdir(), 'tspod-cf-'));
  try {
    writeCidFile(join(d, 'c'), 'abc');
    assert.is(readFileSync(join(d, 'c'), 'utf8'), 'abc');
    assert.throws(() => writeCidFile(join(d, 'c'), 'x'), /container id file exists/);
  } finally { rmSync(d, { recursive: true }); }
});

test.run();
