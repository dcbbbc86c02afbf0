import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redactUrl, responseError, RegistryError, networkReason } from '../../../lib/registry/errors.ts';
import { TspodError } from '../../../lib/errors.ts';

const json = (o: unknown) => Buffer.from(JSON.stringify(o));

test('redactUrl drops user info and secret query values, keeps digest', () => {
  const r = redactUrl('https://user:secret@r.io/v2/a/blobs/uploads/x?_state=SECRETSTATE&digest=sha256:ab&token=tok');
  assert.not.match(r, /secret|SECRETSTATE|tok\b/);
  assert.match(r, /digest=sha256%3Aab|digest=sha256:ab/);
  assert.match(r, /_state=REDACTED/);
});

test('responseError: status decides, distribution codes give the message and code', () => {
  const e = responseError('GET', 'http://r/v2/x/manifests/latest', 404, { 'content-type': 'application/json' },
    json({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] }));
  assert.ok(e instanceof RegistryError && e instanceof TspodError);
  assert.is(e.message, 'manifest unknown');
  assert.is(e.code, 'MANIFEST_UNKNOWN');
  assert.is(e.status, 404);
  assert.is(e.exitCode, 125);
  assert.not.ok(e.isTemporary());
  const u = responseError('GET', 'http://r/v2/', 401, {}, json({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  assert.is(u.message, 'unauthorized: authentication required');
  assert.match(u.hint!, /tspod login/);
  const html = responseError('GET', 'http://r/v2/', 502, { 'content-type': 'text/html' }, Buffer.from('<html>bad gateway</html>'));
  assert.is(html.message, 'received unexpected HTTP status: 502 Bad Gateway');
  assert.ok(html.isTemporary());
  const limited = responseError('GET', 'http://r/v2/', 429, { 'retry-after': '7' }, Buffer.alloc(0));
  assert.ok(limited.isTemporary());
  assert.is(limited.retryAfter, 7);
  const temp = responseError('PUT', 'http://r/v2/', 400, { 'content-type': 'application/json' }, json({ errors: [{ code: 'BLOB_UPLOAD_INVALID', message: 'x' }] }));
  assert.ok(temp.isTemporary(), 'BLOB_UPLOAD_INVALID is temporary');
  assert.not.ok(responseError('GET', 'http://r/', 400, {}, Buffer.alloc(0)).isTemporary());
});

test('network errors read like Go\'s, and a refused connection is not temporary', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.is(networkReason(refused), 'connection refused');
  assert.is(networkReason(Object.assign(new Error('x'), { code: 'ECONNRESET' })), 'connection reset by peer');
  assert.not.ok(new RegistryError({ status: 0, method: 'GET', url: 'http://x/', cause: refused }).isTemporary());
  assert.is(networkReason(Object.assign(new Error('80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:350:'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })),
    'http: server gave HTTP response to HTTPS client');
  assert.is(networkReason(new Error('80:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:x.c:1:')),
    'tls: certificate verify failed');
  assert.is(networkReason(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })),
    'tls: failed to verify certificate: self-signed certificate');
  assert.ok(new RegistryError({ status: 0, method: 'GET', url: 'http://x/', cause: Object.assign(new Error(), { code: 'ECONNRESET' }) }).isTemporary());
});

test.run();
