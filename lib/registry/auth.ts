// Answering a registry's challenge (distribution token auth spec, docs/spec/auth/token.md):
// Basic sends the credentials with every request; Bearer trades them (or nothing, for anonymous
// pulls) at the realm for a token, cached per set of scopes until shortly before it expires.
import type { Challenge } from './challenge.ts';
import { RegistryError, LOGIN_HINT, responseError } from './errors.ts';

export interface AuthCredentials {
  username: string;
  password: string;
  /** OAuth2 refresh token (auth.json "identitytoken"). */
  identityToken?: string;
}

/** What the authenticator needs to make a token request (the client's HTTP, same TLS settings). */
export type HttpCall = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) =>
  Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>;

interface CachedToken { token: string; expiresAt: number }

/** "repository:NAME:pull,push" scope strings. */
export function repositoryScope(repo: string, actions: ('pull' | 'push' | 'delete' | '*')[]): string {
  return `repository:${repo}:${actions.join(',')}`;
}
export const CATALOG_SCOPE = 'registry:catalog:*';

const basic = (c: AuthCredentials) => 'Basic ' + Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64');

export class Authenticator {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly host: string,
    private readonly http: HttpCall,
    /** Credentials for a repository ("" for the registry itself); undefined means anonymous. */
    private readonly credentialsFor: (repo: string) => AuthCredentials | undefined | Promise<AuthCredentials | undefined>,
    /** --registry-token: a bearer token given by the user, used as is. */
    private readonly fixedToken?: string,
  ) {}

  /** Record the challenge from the ping (or a later 401). */
  setChallenge(c: Challenge | undefined): void {
    this.challenge = c;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** Forget cached tokens for these scopes (after a 401 with a token). */
  invalidate(scopes: string[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  /** The Authorization header value for a request needing `scopes`, or undefined (anonymous, no auth). */
  async header(repo: string, scopes: string[]): Promise<string | undefined> {
    if (this.fixedToken) return `Bearer ${this.fixedToken}`;
    const c = this.challenge;
    if (!c) return undefined;
    const creds = await this.credentialsFor(repo);
    if (c.scheme === 'basic') return creds && !creds.identityToken ? basic(creds) : undefined;
    if (c.scheme !== 'bearer') return undefined;
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    const t = await this.fetchToken(c, scopes, creds);
    this.tokens.set(key, t);
    return `Bearer ${t.token}`;
  }

  private async fetchToken(c: Challenge, scopes: string[], creds: AuthCredentials | undefined): Promise<CachedToken> {
    const realm = c.params.realm;
    if (!realm) throw new RegistryError({ status: 401, method: 'GET', url: `https://${this.host}/v2/`, message: `authenticating to ${this.host}: bearer challenge without a realm` });
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError({ status: 401, method: 'GET', url: `https://${this.host}/v2/`, message: `authenticating to ${this.host}: invalid token realm` });
    }
    const service = c.params.service;
    let res;
    if (creds?.identityToken) {
      // OAuth2 refresh-token grant (docker's "identity token" logins).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'tspod' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.http(url.toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds) {
        url.searchParams.set('account', creds.username);
        headers.authorization = basic(creds);
      }
      res = await this.http(url.toString(), { method: 'GET', headers });
    }
    if (res.status !== 200) {
      const e = responseError(creds?.identityToken ? 'POST' : 'GET', url.toString(), res.status, res.headers, res.body);
      if (res.status === 401 || res.status === 403) {
        throw new RegistryError({ status: res.status, method: e.method, url: url.toString(), errors: e.errors,
          message: creds ? 'invalid username/password' : 'authentication required', hint: LOGIN_HINT });
      }
      throw e;
    }
    let body: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new RegistryError({ status: res.status, method: 'GET', url: url.toString(), message: `authenticating to ${this.host}: token server sent invalid JSON` });
    }
    const token = body.access_token || body.token;
    if (!token) throw new RegistryError({ status: res.status, method: 'GET', url: url.toString(), message: `authenticating to ${this.host}: token server sent no token` });
    // The spec's minimum lifetime is 60 s; renew 10 s early so a token never expires in flight.
    const lifetime = Math.max(60, Number(body.expires_in) || 60);
    const issued = body.issued_at ? Date.parse(body.issued_at) : NaN;
    const start = Number.isNaN(issued) || issued > Date.now() ? Date.now() : issued;
    return { token, expiresAt: start + (lifetime - 10) * 1000 };
  }
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}
