import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { compressor, decompressor, detectCompression, DigestingStream, peek } from '../../../lib/copy/blob.ts';
import { sha256 } from './fixture.ts';

const data = Buffer.from('hello '.repeat(10000));
const sink = () => new Writable({ write(_c, _e, cb) { cb(); } });

test('DigestingStream passes matching bytes and reports digest and size', async () => {
  const d = new DigestingStream({ digest: sha256(data), size: data.length });
  await pipeline(Readable.from([data]), d, sink());
  assert.equal(d.result(), { digest: sha256(data), size: data.length });
});

test('DigestingStream errors at the end on a digest or size mismatch, and result() throws', async () => {
  for (const want of [{ digest: sha256(Buffer.from('x')), size: data.length }, { digest: sha256(data), size: data.length + 1 }]) {
    const d = new DigestingStream(want);
    try {
      await pipeline(Readable.from([data]), d, sink());
      assert.unreachable('no error');
    } catch (err) {
      assert.match((err as Error).message, /mismatch|Digest did not match/);
    }
    assert.throws(() => d.result(), /mismatch|Digest did not match/);
  }
});

test('compression round trips and detection', async () => {
  assert.is(detectCompression(gzipSync(data)), 'gzip');
  assert.is(detectCompression(data), 'none');
  for (const c of ['gzip', 'zstd'] as const) {
    const chunks: Buffer[] = [];
    await pipeline(Readable.from([data]), compressor(c, 3), new Writable({ write(ch, _e, cb) { chunks.push(ch); cb(); } }));
    const packed = Buffer.concat(chunks);
    assert.is(detectCompression(packed), c);
    const out: Buffer[] = [];
    await pipeline(Readable.from([packed]), decompressor(c), new Writable({ write(ch, _e, cb) { out.push(ch); cb(); } }));
    assert.ok(Buffer.concat(out).equals(data), c);
  }
});

test('peek returns the head and leaves the stream whole', async () => {
  const { head, stream } = await peek(Readable.from([data.subarray(0, 3), data.subarray(3)]), 8);
  assert.is(head.toString(), data.subarray(0, 8).toString());
  const all: Buffer[] = [];
  for await (const c of stream) all.push(c as Buffer);
  assert.ok(Buffer.concat(all).equals(data));
});

test.run();
