// HTTP for the registry client on node:http/https: loading undici costs ~70 ms of start-up per
// process (a 1 MB bundle compiled without a code cache), more than a whole registry -> registry copy
// otherwise needs. The shape is the subset of undici's request() the client uses; a test dispatcher
// (undici MockAgent) still goes through undici, imported only then.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { SecureContext } from 'node:tls';
import { createRequire } from 'node:module';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { bulkGet } from './bulk-get.ts';

export type Headers = Record<string, string | string[] | undefined>;
export type ResponseBody = Readable & { dump(): Promise<void> };
export interface HttpResponse { statusCode: number; headers: Headers; body: ResponseBody }
/** bulk: a GET of a large body (a blob), read by bulk-get.ts when the URL is plain http. */
export interface HttpInit { method: string; headers: Record<string, string>; body?: Buffer | Readable | string; bulk?: boolean }
export interface TlsOptions { rejectUnauthorized: boolean; ca?: string[]; cert?: string; key?: string }

/** One TLS context per distinct set of trust roots and client certificate in this process: given as
 *  `ca` to an agent, node would parse every root certificate again for each connection (~50 ms for
 *  a system bundle). Without verification no roots are loaded at all. */
const contexts = new Map<string, SecureContext>();
// node:https and node:tls load only for a TLS connection (~5 ms that a plain-http registry never needs)
const https = () => createRequire(import.meta.url)('node:https') as typeof import('node:https');
function tlsAgentOptions(tls: TlsOptions): { rejectUnauthorized: boolean; secureContext?: SecureContext } {
  // an empty list, not none: node would load its own root store (~20 ms) for a check it skips
  const ca = tls.rejectUnauthorized ? tls.ca : [];
  if (!ca && !tls.cert) return { rejectUnauthorized: tls.rejectUnauthorized };
  const key = JSON.stringify([ca, tls.cert, tls.key]);
  let secureContext = contexts.get(key);
  if (!secureContext) contexts.set(key, (secureContext = (createRequire(import.meta.url)('node:tls') as typeof import('node:tls')).createSecureContext({ ca, cert: tls.cert, key: tls.key })));
  return { rejectUnauthorized: tls.rejectUnauthorized, secureContext };
}

export class HttpClient {
  private http?: HttpAgent;
  private https?: HttpsAgent;

  /** `tls` is called once, for the first TLS connection: a plain-http registry reads no certificates. */
  constructor(private readonly tls: TlsOptions | (() => TlsOptions), private readonly dispatcher?: Dispatcher) {}

  async request(url: string, init: HttpInit): Promise<HttpResponse> {
    if (this.dispatcher) {
      const { request } = await import('undici');
      const r = await request(url, { method: init.method as 'GET', headers: init.headers, body: init.body, dispatcher: this.dispatcher });
      return { statusCode: r.statusCode, headers: r.headers as Headers, body: r.body as unknown as ResponseBody };
    }
    const u = new URL(url);
    if (init.bulk && u.protocol === 'http:' && init.method === 'GET' && init.body === undefined) {
      const r = await bulkGet(u, init.headers, registryTimeoutMs());
      if (r) return r;
    }
    const secure = u.protocol === 'https:';
    const agent = secure
      ? (this.https ??= new (https().Agent)({ keepAlive: true, maxSockets: 8, ...tlsAgentOptions(typeof this.tls === 'function' ? this.tls() : this.tls) }))
      : (this.http ??= new HttpAgent({ keepAlive: true, maxSockets: 8 }));
    const headers: Record<string, string> = { ...init.headers };
    const body = init.body;
    if ((typeof body === 'string' || Buffer.isBuffer(body)) && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (secure ? https().request : httpRequest)(u, { method: init.method, headers, agent }, (res: IncomingMessage) => {
        const h: Headers = { ...res.headers };
        // Several challenges arrive as several headers; node would join them with ", ".
        const wa = res.headersDistinct['www-authenticate'];
        if (wa && wa.length > 1) h['www-authenticate'] = wa;
        const b = res as unknown as ResponseBody;
        b.dump = async () => {
          // Even a complete response (HEAD) holds its socket until read to the end.
          res.resume();
          if (!res.readableEnded && !res.destroyed) await finished(res).catch(() => {});
        };
        resolve({ statusCode: res.statusCode ?? 0, headers: h, body: b });
      });
      req.on('error', reject);
      // A registry that accepts the connection and never answers must not hang a pull forever: give up
      // after a silence of REGISTRY_TIMEOUT_MS on the socket (an ETIMEDOUT, retried like any other
      // temporary network error, and reported as "i/o timeout").
      req.setTimeout(registryTimeoutMs(), () => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else if (body.destroyed) {
        // It failed before the request was sent (a digest mismatch found while the upload was being started).
        req.destroy(body.errored ?? new Error('request body closed before it was sent'));
      } else {
        body.on('error', (err) => req.destroy(err));
        body.on('close', () => {
          if (!body.readableEnded) req.destroy(body.errored ?? new Error('request body closed early'));
        });
        body.pipe(req);
      }
    });
  }

  /** Drop every connection (the process can exit right away). */
  close(): void {
    this.http?.destroy();
    this.https?.destroy();
  }
}

/** Socket silence after which a registry request fails; TSPOD_REGISTRY_TIMEOUT (seconds) overrides 60 s. */
function registryTimeoutMs(): number {
  const s = Number(process.env.TSPOD_REGISTRY_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 60_000;
}
