// A distribution-spec client on node:http (http.ts; docs: distribution/spec, OCI distribution-spec).
// One RegistryClient per registry host. The first request pings /v2/ to learn the scheme (https, or
// http for an insecure or loopback registry) and the auth challenge; every request then carries the
// Authorization its scopes need. Bytes are returned as the registry sent them: callers verify
// digests (lib/copy does, once). Errors are RegistryError (errors.ts).
//
//   const c = new RegistryClient({ registry: '127.0.0.1:5000', insecure: true, ctx: {} });
//   const m = await c.getManifest('busybox', 'latest', [OCI_MANIFEST, DOCKER_MANIFEST]);
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { finished, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { SystemContext } from '../transports/types.ts';
import { Authenticator, CATALOG_SCOPE, repositoryScope, type AuthCredentials } from './auth.ts';
import { parseChallenges, preferredChallenge } from './challenge.ts';
import { isTemporaryNetworkError, networkReason, RegistryError, responseError } from './errors.ts';
import { DEFAULT_RETRY_DELAY_MS, DEFAULT_RETRY_TIMES, withRetry } from './retry.ts';
import { HttpClient, type Headers, type ResponseBody } from './http.ts';

export { RegistryError } from './errors.ts';

export interface RegistryClientOptions {
  /** host[:port] ("docker.io" is accepted for registry-1.docker.io). */
  registry: string;
  /** Allow http and unverified TLS (registries.conf insecure, --tls-verify=false). */
  insecure?: boolean;
  ctx?: SystemContext;
  /** Test hook: a dispatcher to use instead of the client's own Agent (undici MockAgent). */
  dispatcher?: Dispatcher;
}

export interface ManifestResult { bytes: Buffer; mediaType: string; digest: string }
export interface HeadResult { digest: string; mediaType?: string; size?: number }

/** The largest manifest accepted (containers/image's limit): protects memory from a hostile registry. */
const MAX_MANIFEST_BYTES = 4 << 20;
const MAX_ERROR_BODY = 64 << 10;
const MAX_REDIRECTS = 5;
const MAX_RESUMES = 5;
const USER_AGENT = 'tspod/0.1.0';

interface SendOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query below the registry ("/v2/..."), or an absolute URL (upload locations). */
  path: string;
  repo?: string;
  scopes: string[];
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Statuses that are success; others become RegistryError. */
  ok: number[];
  /** Follow 3xx (blob downloads may redirect to storage). */
  follow?: boolean;
  /** Statuses returned to the caller without throwing (404 for exists-style calls). */
  pass?: number[];
  /** A large body follows (a blob): HttpInit.bulk. */
  bulk?: boolean;
}

interface Response { status: number; headers: Headers; body: ResponseBody; url: string }

/** What /v2/ answered: the scheme the registry speaks and, with 401, its auth challenge. */
interface PingAnswer { scheme: string; status: number; headers: Headers }
/** Whether a /v2/ status is a registry's (200, or 401 asking for credentials). */
const isRegistryAnswer = (status: number) => status === 200 || status === 401;
const pingAnswers = new Map<string, { at: number; answer: Promise<PingAnswer> }>();
/** How long another client of this process may use a ping's answer. */
const PING_REUSE_MS = 60_000;

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

/** Docker Hub's API lives on another host than its name. */
function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** NODE_EXTRA_CA_CERTS, which the launcher moves aside so that node does not parse it at every
 *  start (native/README.md); read here, once, only when a TLS connection is made. */
let extraRoots: string[] | undefined;
function envRoots(): string[] {
  if (extraRoots) return extraRoots;
  const file = process.env._TSPOD_EXTRA_CA_CERTS;
  extraRoots = [];
  if (file) {
    try { extraRoots = [readFileSync(file, 'utf8')]; } catch { /* node itself only warns about a missing file */ }
  }
  return extraRoots;
}

/** CA certificates and client certificate from certs.d (containers-certs.d(5)). */
function tlsFiles(host: string, ctx: SystemContext): { ca?: string[]; cert?: string; key?: string } {
  const roots = envRoots();
  // node's own roots, which extra ones must not replace; node:tls is loaded only then
  const rootCertificates = () => (createRequire(import.meta.url)('node:tls') as typeof import('node:tls')).rootCertificates;
  const dirs = ctx.certDir ? [ctx.certDir] : [
    ...(process.env.HOME && process.getuid?.() !== 0 ? [join(process.env.HOME, '.config/containers/certs.d', host)] : []),
    join('/etc/containers/certs.d', host),
    join('/etc/docker/certs.d', host),
  ];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir);
    const extra = files.filter((f) => f.endsWith('.crt')).map((f) => readFileSync(join(dir, f), 'utf8'));
    const cert = files.find((f) => f.endsWith('.cert'));
    const key = cert && files.find((f) => f === cert.replace(/\.cert$/, '.key'));
    return {
      ca: extra.length || roots.length ? [...rootCertificates(), ...roots, ...extra] : undefined,
      cert: cert && key ? readFileSync(join(dir, cert), 'utf8') : undefined,
      key: cert && key ? readFileSync(join(dir, key), 'utf8') : undefined,
    };
  }
  return roots.length ? { ca: [...rootCertificates(), ...roots] } : {};
}

async function readLimited(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > limit) {
      body.destroy();
      break;
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export class RegistryClient {
  readonly registry: string;
  readonly insecure: boolean;
  private readonly ctx: SystemContext;
  private readonly host: string;
  private readonly http: HttpClient;
  private readonly auth: Authenticator;
  private base?: string;
  private pinging?: Promise<void>;
  private readonly creds = new Map<string, AuthCredentials | undefined>();
  private readonly dispatcher?: Dispatcher;

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.ctx = opts.ctx ?? {};
    this.host = apiHost(opts.registry);
    this.dispatcher = opts.dispatcher;
    // Loopback registries may use http unless --tls-verify=true asks otherwise (docker's rule; a
    // test or first-pull registry on 127.0.0.1 needs no flag).
    this.insecure = Boolean(opts.insecure) || this.ctx.tlsVerify === false || (this.ctx.tlsVerify !== true && isLoopback(this.host));
    const tlsOptions = () => {
      const tls = opts.dispatcher ? {} : tlsFiles(opts.registry, this.ctx);
      return { rejectUnauthorized: !this.insecure, ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) };
    };
    this.http = new HttpClient(tlsOptions, opts.dispatcher);
    this.auth = new Authenticator(this.host, (url, init) => this.plainCall(url, init), (repo) => this.credentialsFor(repo), this.ctx.registryToken);
  }

  /** Close idle connections (the process can exit right away). */
  async close(): Promise<void> {
    this.http.close();
  }

  /** Asked only when the registry challenges: lib/config/auth.ts (and node:child_process, for credential
   *  helpers) is not loaded for a registry without auth. */
  private async credentialsFor(repo: string): Promise<AuthCredentials | undefined> {
    if (this.ctx.credentials) return this.ctx.credentials;
    if (this.creds.has(repo)) return this.creds.get(repo);
    let c: AuthCredentials | undefined;
    const { getCredentials } = await import('../config/auth.ts');
    if (this.creds.has(repo)) return this.creds.get(repo);
    const got = getCredentials(repo ? `${this.registry}/${repo}` : this.registry, this.ctx);
    if (got && (got.username || got.identityToken)) c = { username: got.username, password: got.password, identityToken: got.identityToken };
    this.creds.set(repo, c);
    return c;
  }

  /** A request outside the registry's auth (token realm): same TLS settings, no retries beyond the caller's. */
  private async plainCall(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    try {
      const res = await this.http.request(url, { method: init.method, headers: { 'user-agent': USER_AGENT, ...init.headers }, body: init.body });
      const body = await readLimited(res.body, 1 << 20);
      return { status: res.statusCode, headers: res.headers as Headers, body };
    } catch (err) {
      const u = new URL(url);
      throw new RegistryError({ status: 0, method: init.method, url, message: `authenticating to ${this.registry}: requesting a token from ${u.host}: ${networkReason(err)}`, cause: err });
    }
  }

  /**
   * Ping /v2/: pick https or (insecure/loopback only) http, and record the auth challenge.
   * Done once per client; every other method calls it first.
   */
  async ping(): Promise<void> {
    this.pinging ??= this.sharedPing().then(
      (a) => {
        this.base = `${a.scheme}://${this.host}`;
        if (a.status === 401) this.auth.setChallenge(preferredChallenge(parseChallenges(a.headers['www-authenticate'])));
      },
      (err) => {
        this.pinging = undefined;
        throw err;
      },
    );
    return this.pinging;
  }

  /** A recent answer of another client with the same host and TLS settings (a copy's source and
   *  destination on one registry ping once), else this client's own ping. */
  private sharedPing(): Promise<PingAnswer> {
    if (this.dispatcher) return this.doPing();
    const key = JSON.stringify([this.host, this.insecure, this.ctx.certDir ?? null]);
    const known = pingAnswers.get(key);
    if (known && Date.now() - known.at < PING_REUSE_MS) return known.answer;
    const answer = this.doPing();
    pingAnswers.set(key, { at: Date.now(), answer });
    answer.catch(() => pingAnswers.delete(key));
    return answer;
  }

  private async doPing(): Promise<PingAnswer> {
    // An insecure registry that speaks plain http is found with one plain request first: trying TLS
    // first, as containers/image orders it, loads node's TLS stack and fails a handshake (~20 ms)
    // to end on http anyway. A port serves one or the other, so the scheme found is the same; any
    // other outcome falls through to the usual order, with its retries and errors.
    if (this.insecure) {
      try {
        const r = await this.http.request(`http://${this.host}/v2/`, { method: 'GET', headers: { 'user-agent': USER_AGENT } });
        await readLimited(r.body, MAX_ERROR_BODY);
        if (isRegistryAnswer(r.statusCode)) return { scheme: 'http', status: r.statusCode, headers: r.headers as Headers };
      } catch { /* not plain http, or not reachable: the usual order says which */ }
    }
    const schemes = this.insecure ? ['https', 'http'] : ['https'];
    let lastErr: unknown;
    for (const scheme of schemes) {
      const url = `${scheme}://${this.host}/v2/`;
      try {
        const res = await withRetry(async () => {
          const r = await this.http.request(url, { method: 'GET', headers: { 'user-agent': USER_AGENT } });
          const body = await readLimited(r.body, MAX_ERROR_BODY);
          if (r.statusCode >= 500 || r.statusCode === 429) throw responseError('GET', url, r.statusCode, r.headers as Headers, body);
          return { status: r.statusCode, headers: r.headers as Headers, body };
        }, this.retryOptions());
        if (isRegistryAnswer(res.status)) return { scheme, status: res.status, headers: res.headers };
        // A /v2/ that is not a registry (404 from a web server): same as podman, no http fallback.
        throw responseError('GET', url, res.status, res.headers, res.body);
      } catch (err) {
        lastErr = err;
        if (err instanceof RegistryError && err.status !== 0) break;
      }
    }
    const reason = lastErr instanceof RegistryError ? lastErr.message : networkReason(lastErr);
    const status = lastErr instanceof RegistryError ? lastErr.status : 0;
    throw new RegistryError({ status, method: 'GET', url: `https://${this.host}/v2/`, message: `pinging container registry ${this.registry}: ${reason}`, cause: lastErr });
  }

  private retryOptions() {
    return { times: this.ctx.retryTimes ?? DEFAULT_RETRY_TIMES, delayMs: this.ctx.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS };
  }

  /** One request with auth, redirects and (for replayable bodies) retries. */
  private async send(o: SendOptions): Promise<Response> {
    await this.ping();
    const replayable = !(o.body instanceof Readable);
    const attempt = () => this.sendOnce(o);
    return replayable ? withRetry(attempt, this.retryOptions()) : attempt();
  }

  private async sendOnce(o: SendOptions): Promise<Response> {
    let url = /^https?:\/\//.test(o.path) ? o.path : `${this.base}${o.path}`;
    let method = o.method;
    let reauthorized = false;
    for (let redirects = 0; ; ) {
      const sameHost = new URL(url).host === this.host;
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...o.headers };
      // Credentials only ever go to the registry itself, never to a redirect target.
      const authz = sameHost ? await this.auth.header(o.repo ?? '', o.scopes) : undefined;
      if (authz) headers.authorization = authz;
      let res: Awaited<ReturnType<HttpClient['request']>>;
      try {
        res = await this.http.request(url, { method, headers, body: o.body, bulk: o.bulk });
      } catch (err) {
        throw new RegistryError({ status: 0, method, url, message: `${method} ${this.registry}: ${networkReason(err)}`, cause: err });
      }
      const status = res.statusCode;
      const rh = res.headers as Headers;
      if (o.ok.includes(status) || o.pass?.includes(status)) return { status, headers: rh, body: res.body, url };
      if (status === 401 && sameHost && !reauthorized && !(o.body instanceof Readable)) {
        // A token for other scopes or an expired one: take the new challenge, get a new token, once.
        await res.body.dump();
        const c = preferredChallenge(parseChallenges(rh['www-authenticate']));
        if (c) {
          this.auth.setChallenge(c);
          this.auth.invalidate(o.scopes);
          reauthorized = true;
          continue;
        }
        throw responseError(method, url, status, rh, Buffer.alloc(0));
      }
      if (o.follow && [301, 302, 303, 307, 308].includes(status) && header(rh, 'location')) {
        await res.body.dump();
        if (++redirects > MAX_REDIRECTS) throw new RegistryError({ status, method, url, message: `${method} ${this.registry}: too many redirects` });
        url = new URL(header(rh, 'location')!, url).toString();
        if (status === 303) method = 'GET';
        continue;
      }
      const body = method === 'HEAD' ? Buffer.alloc(0) : await readLimited(res.body, MAX_ERROR_BODY).catch(() => Buffer.alloc(0));
      throw responseError(method, url, status, rh, body);
    }
  }

  /**
   * Check that the client's credentials are accepted (tspod login): GET /v2/ with them, through the
   * token realm when the registry uses tokens. A refusal is "invalid username/password".
   */
  async checkAuth(): Promise<void> {
    try {
      const res = await this.send({ method: 'GET', path: '/v2/', scopes: [], ok: [200] });
      await res.body.dump();
    } catch (err) {
      if (err instanceof RegistryError && (err.status === 401 || err.status === 403)) {
        throw new RegistryError({ status: err.status, method: 'GET', url: err.url, errors: err.errors, message: 'invalid username/password', cause: err });
      }
      throw err;
    }
  }

  /** Docker Hub's v1 search (/v1/search), the only search API docker.io offers. */
  async searchIndex(term: string, limit: number): Promise<{ name: string; description?: string; star_count?: number; is_official?: boolean; is_automated?: boolean }[]> {
    const q = new URLSearchParams({ q: term, n: String(limit) });
    const res = await this.send({ method: 'GET', path: `/v1/search?${q}`, scopes: [], ok: [200] });
    const body = await readLimited(res.body, 16 << 20);
    return (JSON.parse(body.toString('utf8')) as { results?: [] }).results ?? [];
  }

  // ---- manifests ----

  async getManifest(repo: string, ref: string, accept: string[]): Promise<ManifestResult> {
    const res = await this.send({ method: 'GET', path: `/v2/${repo}/manifests/${ref}`, repo, scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: accept.join(', ') }, ok: [200] });
    const bytes = await readLimited(res.body, MAX_MANIFEST_BYTES + 1);
    if (bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError({ status: 200, method: 'GET', url: res.url, message: `manifest ${ref} is larger than ${MAX_MANIFEST_BYTES} bytes` });
    let mediaType = (header(res.headers, 'content-type') ?? '').split(';')[0].trim();
    // Some registries send text/plain or application/json: the manifest's own mediaType then decides.
    if (!mediaType || mediaType === 'application/json' || mediaType === 'text/plain' || mediaType === 'application/octet-stream') {
      try { mediaType = JSON.parse(bytes.toString('utf8')).mediaType ?? mediaType; } catch { /* keep it */ }
    }
    return { bytes, mediaType, digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex') };
  }

  /** Digest, type and size of a manifest without its body; undefined when the registry does not have it. */
  async headManifest(repo: string, ref: string, accept: string[] = []): Promise<HeadResult | undefined> {
    const res = await this.send({ method: 'HEAD', path: `/v2/${repo}/manifests/${ref}`, repo, scopes: [repositoryScope(repo, ['pull'])],
      headers: accept.length ? { accept: accept.join(', ') } : {}, ok: [200], pass: [404] });
    await res.body.dump();
    if (res.status === 404) return undefined;
    const digest = header(res.headers, 'docker-content-digest') ?? (ref.includes(':') ? ref : '');
    const size = Number(header(res.headers, 'content-length'));
    const mediaType = header(res.headers, 'content-type')?.split(';')[0].trim();
    return { digest, mediaType, size: Number.isFinite(size) ? size : undefined };
  }

  /** Store a manifest under a tag or its digest; returns the digest the registry reports. */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.send({ method: 'PUT', path: `/v2/${repo}/manifests/${ref}`, repo, scopes: [repositoryScope(repo, ['pull', 'push'])],
      headers: { 'content-type': mediaType }, body: bytes, ok: [200, 201, 202] });
    await res.body.dump();
    return header(res.headers, 'docker-content-digest') ?? 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  }

  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.send({ method: 'DELETE', path: `/v2/${repo}/manifests/${digest}`, repo, scopes: [repositoryScope(repo, ['pull', 'push', 'delete'])], ok: [200, 202] });
    await res.body.dump();
  }

  // ---- blobs ----

  /** The blob's size when the repository has it, else undefined. */
  async blobExists(repo: string, digest: string): Promise<number | undefined> {
    const res = await this.send({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, repo, scopes: [repositoryScope(repo, ['pull'])], ok: [200], pass: [404], follow: true });
    await res.body.dump();
    if (res.status === 404) return undefined;
    const n = Number(header(res.headers, 'content-length'));
    return Number.isFinite(n) ? n : -1;
  }

  /**
   * A blob's bytes from `offset` (default 0). size is the number of bytes the stream yields (-1 if
   * unknown). Redirects are followed without credentials. A connection that breaks mid-body is
   * resumed with a Range request when the server takes ranges; the stream errors otherwise.
   */
  async getBlob(repo: string, digest: string, offset = 0): Promise<{ stream: Readable; size: number }> {
    const open = async (from: number) => {
      const res = await this.send({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, repo, scopes: [repositoryScope(repo, ['pull'])],
        headers: from > 0 ? { range: `bytes=${from}-` } : {}, ok: [200, 206], follow: true, bulk: true });
      const len = Number(header(res.headers, 'content-length'));
      let skip = 0;
      // A server that ignores Range sends everything: drop what we already have.
      if (from > 0 && res.status === 200) skip = from;
      const ranges = res.status === 206 || header(res.headers, 'accept-ranges') === 'bytes';
      return { body: res.body, skip, ranges, size: Number.isFinite(len) ? len - skip : -1 };
    };
    const first = await open(offset);
    // The body's chunks pushed as they come, no async iteration in between: ~15% less CPU for a
    // large blob than Readable.from over an async generator.
    let cur = first;
    let got = offset;
    let resumes = 0;
    const stream = new Readable({
      highWaterMark: 1 << 20,
      read: () => void cur.body.resume(),
      destroy: (err, cb) => {
        cur.body.destroy();
        cb(err);
      },
    });
    const fail = (err: unknown) => new RegistryError({ status: 0, method: 'GET', url: `${this.base}/v2/${repo}/blobs/${digest}`,
      message: `reading blob ${digest}: ${networkReason(err)}`, cause: err });
    const attach = (part: typeof first) => {
      cur = part;
      let skip = part.skip;
      part.body.on('data', (chunk: Buffer) => {
        if (stream.destroyed) return;
        let c = chunk;
        if (skip) {
          const n = Math.min(skip, c.length);
          skip -= n;
          c = c.subarray(n);
          if (!c.length) return;
        }
        got += c.length;
        if (!stream.push(c)) part.body.pause();
      });
      finished(part.body, { writable: false }, (err) => {
        if (stream.destroyed) return;
        if (!err) {
          stream.push(null);
          return;
        }
        if (!part.ranges || !isTemporaryNetworkError(err) || ++resumes > MAX_RESUMES) {
          stream.destroy(fail(err));
          return;
        }
        open(got).then((next) => (stream.destroyed ? next.body.destroy() : attach(next)), (e) => stream.destroy(e));
      });
    };
    attach(first);
    return { stream, size: first.size };
  }

  /**
   * Upload a blob: POST a session, then one PUT with the whole body when the size is known, or a
   * streamed PATCH and a closing PUT when it is not (size < 0).
   */
  async uploadBlob(repo: string, digest: string, size: number, stream: Readable): Promise<void> {
    const scopes = [repositoryScope(repo, ['pull', 'push'])];
    const start = await this.send({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, repo, scopes, ok: [202] });
    await start.body.dump();
    let location = this.uploadLocation(start);
    if (size < 0) {
      const patch = await this.send({ method: 'PATCH', path: location, repo, scopes, headers: { 'content-type': 'application/octet-stream' }, body: stream, ok: [202, 204] });
      await patch.body.dump();
      location = this.uploadLocation(patch);
      const u = new URL(location);
      u.searchParams.set('digest', digest);
      const put = await this.send({ method: 'PUT', path: u.toString(), repo, scopes, body: Buffer.alloc(0), ok: [201, 204] });
      await put.body.dump();
      return;
    }
    const u = new URL(location);
    u.searchParams.set('digest', digest);
    const put = await this.send({ method: 'PUT', path: u.toString(), repo, scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: stream, ok: [201, 204] });
    await put.body.dump();
  }

  private uploadLocation(res: Response): string {
    const loc = header(res.headers, 'location');
    if (!loc) throw new RegistryError({ status: res.status, method: 'POST', url: res.url, message: `uploading to ${this.registry}: the registry sent no upload location` });
    return new URL(loc, res.url).toString();
  }

  /** Cross-repository mount: true when the registry mounted the blob, false when it wants an upload. */
  async mountBlob(repo: string, digest: string, fromRepo: string): Promise<boolean> {
    const q = new URLSearchParams({ mount: digest, from: fromRepo });
    const res = await this.send({ method: 'POST', path: `/v2/${repo}/blobs/uploads/?${q}`, repo,
      scopes: [repositoryScope(repo, ['pull', 'push']), repositoryScope(fromRepo, ['pull'])], ok: [201, 202] });
    await res.body.dump();
    if (res.status === 201) return true;
    // 202: the registry opened an upload session instead; cancel it (best effort).
    const loc = header(res.headers, 'location');
    if (loc) {
      await this.send({ method: 'DELETE', path: new URL(loc, res.url).toString(), repo, scopes: [repositoryScope(repo, ['pull', 'push'])], ok: [204, 200, 202], pass: [404] })
        .then((r) => r.body.dump(), () => undefined);
    }
    return false;
  }

  // ---- listing ----

  /** All tags of a repository, following Link pagination. */
  async listTags(repo: string, pageSize?: number): Promise<string[]> {
    const first = `/v2/${repo}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
    return this.paginate(first, repo, [repositoryScope(repo, ['pull'])], (j) => (j as { tags?: string[] | null }).tags ?? []);
  }

  /** Repositories in the registry (/v2/_catalog), following Link pagination. */
  async catalog(pageSize = 1000): Promise<string[]> {
    return this.paginate(`/v2/_catalog?n=${pageSize}`, '', [CATALOG_SCOPE], (j) => (j as { repositories?: string[] | null }).repositories ?? []);
  }

  private async paginate(path: string, repo: string, scopes: string[], pick: (json: unknown) => string[]): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = path;
    for (let pages = 0; next && pages < 10_000; pages++) {
      const res = await this.send({ method: 'GET', path: next, repo, scopes, ok: [200] });
      const body = await readLimited(res.body, 16 << 20);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw new RegistryError({ status: 200, method: 'GET', url: res.url, message: `listing ${repo || 'repositories'} in ${this.registry}: invalid JSON` });
      }
      out.push(...pick(json));
      next = nextLink(header(res.headers, 'link'), res.url);
    }
    return out;
  }
}

/** The rel="next" target of a Link header, absolute or below the registry. */
export function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2])) return new URL(m[1], base).toString();
  }
  return undefined;
}
