// relay() over a real SOCK_SEQPACKET socket pair (conmon's side played by the test): conmon's stream
// framing, the detach keys held back until the sequence completes or breaks off, and parseDetachKeys.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { closeSync, read, writeSync } from 'node:fs';
import { parseDetachKeys, relay } from '../../../lib/containers/attach.ts';

const koffi = createRequire(import.meta.url)('koffi');
const socketpair = koffi.load('libc.so.6').func('int socketpair(int, int, int, _Out_ int *sv)');

function pair(): [number, number] {
  const sv = [0, 0];
  assert.is(socketpair(1 /* AF_UNIX */, 5 /* SOCK_SEQPACKET */, 0, sv), 0, 'socketpair');
  return [sv[0], sv[1]];
}

/** Every packet the peer receives until the relay shuts the socket down (off the main thread, as relay's own I/O). */
async function drain(fd: number): Promise<string[]> {
  const got: string[] = [];
  const buf = Buffer.alloc(8192);
  for (;;) {
    const n = await new Promise<number>((res, rej) => read(fd, buf, 0, buf.length, null, (e, k) => (e ? rej(e) : res(k))));
    if (n <= 0) return got;
    got.push(buf.subarray(0, n).toString('latin1'));
  }
}

test('parseDetachKeys: ctrl-p,ctrl-q and single characters; empty disables; junk refused', () => {
  assert.equal(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17]);
  assert.equal(parseDetachKeys('ctrl-x,x'), [24, 120]);
  assert.equal(parseDetachKeys('ctrl-[,ctrl-@'), [27, 0]);
  assert.equal(parseDetachKeys(''), []);
  assert.throws(() => parseDetachKeys('ctrl-pp'), /invalid detach keys/);
});

test('relay: output by stream byte; detach keys held back, released when the sequence breaks off', async () => {
  const [ours, theirs] = pair();
  const stdin = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (d) => out.push(d));
  const stderr = new PassThrough().on('data', (d) => err.push(d));
  writeSync(theirs, Buffer.from('\x02hello'));
  writeSync(theirs, Buffer.from('\x03oops'));
  const done = relay(ours, { stdin, stdout, stderr, detachKeys: [16, 17] });
  const seen = drain(theirs);
  stdin.write('a\x10');
  stdin.write('b\x10\x10');
  stdin.write('\x11tail');
  const r = await done;
  assert.is(r.detached, true);
  assert.is(Buffer.concat(out).toString(), 'hello');
  assert.is(Buffer.concat(err).toString(), 'oops');
  // the container saw a lone ctrl-p (the sequence broke off) but not the one that detached, nor what followed
  assert.is((await seen).join(''), 'a\x10b\x10');
  closeSync(theirs);
});

test('relay: no detach keys: every byte goes through; stdin end shuts the write side', async () => {
  const [ours, theirs] = pair();
  const stdin = new PassThrough();
  const done = relay(ours, { stdin, stdout: new PassThrough(), detachKeys: [] });
  stdin.end('x\x10\x11y');
  const got = (await drain(theirs)).join('');
  closeSync(theirs);
  assert.is((await done).detached, false);
  assert.is(got, 'x\x10\x11y');
});

test.run();
