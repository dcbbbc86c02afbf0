// One error type for everything the registry says or fails to say (ggcr transport.Error,
// containers/image docker/errors.go). HTTP responses become errors in one function,
// responseError(), which decides on the status code before looking at the body. Messages never
// contain a token or a password: URLs are redacted and headers are never quoted.
import { TspodError } from '../errors.ts';

/** One entry of the distribution-spec error body {"errors": [...]}. */
export interface DistributionError {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Codes after which the same request may succeed (ggcr's temporaryErrorCodes). */
const TEMPORARY_CODES = new Set(['BLOB_UPLOAD_INVALID', 'TOOMANYREQUESTS', 'UNKNOWN', 'UNAVAILABLE']);
const TEMPORARY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export const LOGIN_HINT = 'try `tspod login` with credentials for this registry (or --creds)';

/** Query parameters whose values are safe to show; every other value is replaced. */
const SAFE_PARAMS = new Set(['digest', 'n', 'last', 'mount', 'from', 'scope', 'service']);

/** URL without user info and with secret-looking query values replaced (upload _state, tokens, signatures). */
export function redactUrl(u: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(u));
  } catch {
    return '<invalid url>';
  }
  url.username = '';
  url.password = '';
  for (const k of [...url.searchParams.keys()]) {
    if (!SAFE_PARAMS.has(k)) url.searchParams.set(k, 'REDACTED');
  }
  return url.toString();
}

/** "MANIFEST_UNKNOWN" + "manifest unknown" -> "manifest unknown"; else "code words: message". */
function describe(e: DistributionError): string {
  const words = e.code.toLowerCase().replace(/_/g, ' ');
  const msg = (e.message ?? '').trim();
  if (!msg || msg.toLowerCase() === words) return words;
  return `${words}: ${msg}`;
}

export interface RegistryErrorInit {
  status: number;
  method: string;
  url: string;
  errors?: DistributionError[];
  /** Seconds from Retry-After, when the registry sent it. */
  retryAfter?: number;
  message?: string;
  hint?: string;
  cause?: unknown;
}

export class RegistryError extends TspodError {
  /** HTTP status, 0 when no response arrived (network error). */
  readonly status: number;
  readonly method: string;
  /** Redacted request URL. */
  readonly url: string;
  readonly errors: DistributionError[];
  readonly retryAfter?: number;
  constructor(init: RegistryErrorInit) {
    const errors = init.errors ?? [];
    const code = errors[0]?.code ?? (init.status === 401 ? 'UNAUTHORIZED' : init.status === 404 ? 'NOT_FOUND' : init.status ? `HTTP_${init.status}` : 'REGISTRY_UNREACHABLE');
    super(code, init.message ?? RegistryError.describe(init.status, errors), { hint: init.hint, cause: init.cause });
    this.name = 'RegistryError';
    this.status = init.status;
    this.method = init.method;
    this.url = redactUrl(init.url);
    this.errors = errors;
    this.retryAfter = init.retryAfter;
  }

  /** The message for a status and error list ("manifest unknown", "unauthorized: authentication required"). */
  static describe(status: number, errors: DistributionError[]): string {
    if (errors.length) return errors.map(describe).join('; ');
    switch (status) {
      case 401: return 'authentication required';
      case 403: return 'access denied';
      case 404: return 'not found';
      case 405: return 'operation not supported by the registry';
      case 429: return 'too many requests';
      default: return `received unexpected HTTP status: ${status} ${statusText(status)}`.trim();
    }
  }

  /** Whether retrying the same request may help (5xx, 429, network errors, temporary codes). */
  isTemporary(): boolean {
    if (this.status === 0) return this.cause === undefined || isTemporaryNetworkError(this.cause);
    if (TEMPORARY_STATUS.has(this.status)) return true;
    return this.errors.length > 0 && this.errors.every((e) => TEMPORARY_CODES.has(e.code));
  }

  /** Whether this is the registry saying the thing does not exist. */
  isNotFound(): boolean {
    return this.status === 404;
  }
}

function statusText(status: number): string {
  const t: Record<number, string> = { 400: 'Bad Request', 409: 'Conflict', 413: 'Payload Too Large', 416: 'Range Not Satisfiable',
    500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
  return t[status] ?? '';
}

function parseRetryAfter(h: string | undefined): number | undefined {
  if (!h) return undefined;
  const n = Number(h);
  if (Number.isFinite(n)) return Math.max(0, n);
  const d = Date.parse(h);
  return Number.isNaN(d) ? undefined : Math.max(0, (d - Date.now()) / 1000);
}

/**
 * Turn a non-success response into a RegistryError. The status decides (a registry may send
 * HTML or nothing); the body only adds the distribution error codes when it has them.
 */
export function responseError(method: string, url: string, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer): RegistryError {
  let errors: DistributionError[] = [];
  const type = String(headers['content-type'] ?? '');
  if (body.length && (type.includes('json') || body[0] === 0x7b)) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { errors?: DistributionError[]; details?: string };
      if (Array.isArray(parsed.errors)) errors = parsed.errors.filter((e) => e && typeof e.code === 'string');
    } catch {
      // not JSON after all: the status alone speaks
    }
  }
  const retryAfter = parseRetryAfter(headers['retry-after'] as string | undefined);
  const hint = status === 401 ? LOGIN_HINT : undefined;
  return new RegistryError({ status, method, url, errors, retryAfter, hint });
}

/** Network-level failure codes as Go prints them (podman users know these words). */
export function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code === 'UND_ERR_SOCKET' || e?.code === 'UND_ERR_CONNECT_TIMEOUT' ? e.cause?.code ?? e.code : e?.code ?? e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset by peer';
    case 'EPIPE': return 'broken pipe';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT': return 'i/o timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'no such host';
    case 'EHOSTUNREACH': return 'no route to host';
    case 'ENETUNREACH': return 'network is unreachable';
    case 'UND_ERR_SOCKET': return 'connection closed unexpectedly';
    case 'ERR_SSL_WRONG_VERSION_NUMBER': return 'http: server gave HTTP response to HTTPS client';
    default: {
      const m = (e?.cause?.message ?? e?.message ?? String(err)).split('\n')[0];
      // OpenSSL's "…:error:0A00010B:SSL routines:fn:reason:file:line:" -> "tls: reason"
      const ssl = /SSL routines:[^:]*:([^:]+)/.exec(m);
      if (ssl) return `tls: ${ssl[1]}`;
      if (/certificate|self.signed/i.test(m)) return `tls: failed to verify certificate: ${m}`;
      return m.replace(/^[A-Z_]+:\s*/, '');
    }
  }
}

/**
 * Whether a thrown value is a connection problem worth retrying. Not a refused connection (nothing
 * listens there: fail at once), a TLS or a DNS failure.
 */
export function isTemporaryNetworkError(err: unknown): boolean {
  if (err instanceof RegistryError) return err.isTemporary();
  const e = err as { code?: string; cause?: { code?: string } };
  const codes = [e?.code, e?.cause?.code];
  return codes.some((c) => c !== undefined && ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ECONNABORTED', 'EAI_AGAIN'].includes(c));
}
