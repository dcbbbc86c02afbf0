// A plain-http GET for blob bodies, on a bare socket that reads into large slabs. Why: node:http reads
// a socket 64 KiB at a time into a fresh buffer each time, and every chunk then travels through the
// parser and the stream machinery; for a 300 MB image that is ~0.3 s of CPU, more than hashing it.
// Read here into 4 MiB slabs, at most 1 MiB a read, the same bytes cost ~0.7 s of CPU instead of
// ~0.9 s for the whole copy (bench/copy). Reads into the whole rest of a slab, and a body buffer
// of 1 MiB (one chunk pauses the socket), both cost more system time than they saved, measured.
// Only for http:// without a test dispatcher; a response this reader does not take (chunked,
// malformed) is answered `undefined` and the caller asks node:http instead.
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Headers, HttpResponse, ResponseBody } from './http.ts';

const SLAB = 4 << 20;
const MIN_ROOM = 256 << 10;
const MAX_HEAD = 64 << 10;
const READ_MAX = 1 << 20;

function aborted(): Error {
  // what node:http reports for a body cut short, so that retries and resumes see the same error
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/** Status line and headers; undefined when not a response this reader handles. */
function parseHead(text: string): { status: number; headers: Headers; length: number | undefined } | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
  if (!m) return undefined;
  const headers: Headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) return undefined;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    const prev = headers[name];
    // several challenges stay a list, as http.ts keeps them; other repeats join as node:http does
    if (prev === undefined) headers[name] = value;
    else if (name === 'www-authenticate') headers[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    else if (name !== 'content-length') headers[name] = `${prev}, ${value}`;
  }
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const cl = headers['content-length'];
  const length = cl === undefined ? undefined : Number(cl);
  if (length !== undefined && !(Number.isSafeInteger(length) && length >= 0)) return undefined;
  return { status: Number(m[1]), headers, length };
}

/**
 * GET `url` (http:) with `headers`. Resolves with the response, whose body is a stream of the bytes
 * after the head (Content-Length of them, or up to the close), or undefined when the response is one
 * this reader leaves to node:http. Socket errors and `timeoutMs` of silence reject, or error the body.
 */
export function bulkGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse | undefined> {
  return new Promise((resolve, reject) => {
    let slab = Buffer.allocUnsafeSlow(SLAB);
    let used = 0;
    let head: Buffer | undefined = Buffer.alloc(0);
    let body: (Readable & ResponseBody) | undefined;
    let remaining = Infinity; // body bytes still expected
    let settled = false;
    let eof = false; // the body's end was pushed
    const fail = (err: Error) => {
      if (!settled) {
        settled = true;
        reject(err);
      } else if (body && !body.destroyed && !eof) body.destroy(err);
      socket.destroy();
    };
    const finish = () => {
      if (body && !eof && !body.destroyed) {
        eof = true;
        body.push(null);
      }
      socket.destroy();
    };
    const deliver = (chunk: Buffer): boolean => {
      if (!body || !chunk.length) return true;
      const c = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= c.length;
      const more = body.push(c);
      if (remaining === 0) {
        finish();
        return false;
      }
      return more;
    };
    const socket: Socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: {
        buffer: () => {
          if (SLAB - used < MIN_ROOM) {
            slab = Buffer.allocUnsafeSlow(SLAB);
            used = 0;
          }
          return slab.subarray(used, used + READ_MAX);
        },
        callback: (n: number, buf: Uint8Array) => {
          const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
          used += n;
          if (head) {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) {
              if (head.length > MAX_HEAD) fail(new Error('malformed HTTP response: header too long'));
              return true;
            }
            const parsed = parseHead(head.subarray(0, end).toString('latin1'));
            const rest = head.subarray(end + 4);
            head = undefined;
            if (!parsed) {
              settled = true;
              socket.destroy();
              resolve(undefined);
              return false;
            }
            remaining = parsed.length ?? Infinity;
            body = new Readable({
              highWaterMark: 8 << 20,
              read: () => void socket.resume(),
              destroy: (err, cb) => {
                socket.destroy();
                cb(err);
              },
            }) as Readable & ResponseBody;
            body.dump = async () => {
              if (!body!.readableEnded) body!.destroy();
            };
            settled = true;
            resolve({ statusCode: parsed.status, headers: parsed.headers, body });
            if (remaining === 0) {
              finish();
              return false;
            }
            return deliver(rest);
          }
          return deliver(chunk);
        },
      },
    });
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    socket.on('error', fail);
    socket.on('connect', () => {
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
    // the end of a body without Content-Length, or a body cut short
    const closed = () => {
      if (!settled) fail(aborted());
      else if (body && !eof && !body.destroyed) {
        if (remaining === Infinity) finish();
        else body.destroy(aborted());
      }
    };
    socket.on('end', closed);
    socket.on('close', closed);
  });
}
