// The credential check of skopeo login, until `tspod login` exists: ping /v2/, answer the
// challenge with the credentials (lib/registry/auth.ts), and require a 200. Loaded lazily.
import { Agent, request } from 'undici';
import { TspodError } from '../../lib/errors.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import { parseChallenges, preferredChallenge } from '../../lib/registry/challenge.ts';
import { Authenticator } from '../../lib/registry/auth.ts';

/** GET /v2/ with the credentials; throws when the registry refuses them. */
export async function checkCredentials(host: string, username: string, password: string, ctx: SystemContext): Promise<void> {
  const loopback = /^(localhost|127\.|\[::1\])/.test(host);
  const insecure = ctx.tlsVerify === false || (ctx.tlsVerify === undefined && loopback);
  const agent = new Agent({ connect: { rejectUnauthorized: !insecure } });
  const apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
  const call = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    const r = await request(url, { method: init.method as 'GET', headers: init.headers, body: init.body, dispatcher: agent });
    const body = Buffer.from(await r.body.arrayBuffer());
    return { status: r.statusCode, headers: r.headers as Record<string, string | string[] | undefined>, body };
  };
  try {
    let base: string | undefined;
    let first: Awaited<ReturnType<typeof call>> | undefined;
    let lastErr: unknown;
    for (const scheme of insecure ? ['https', 'http'] : ['https']) {
      try {
        first = await call(`${scheme}://${apiHost}/v2/`, { method: 'GET', headers: {} });
        base = `${scheme}://${apiHost}`;
        break;
      } catch (e) {
        lastErr = e;
      }
    }
    if (!base || !first) throw new TspodError('REGISTRY_UNREACHABLE', `pinging container registry ${host}: ${(lastErr as Error)?.message}`);
    if (first.status === 200) return;
    if (first.status !== 401) throw new TspodError('LOGIN_FAILED', `authenticating creds for "${host}": pinging container registry ${host}: received unexpected HTTP status: ${first.status}`);
    const auth = new Authenticator(apiHost, call, () => ({ username, password }));
    auth.setChallenge(preferredChallenge(parseChallenges(first.headers['www-authenticate'])));
    let header: string | undefined;
    try {
      header = await auth.header('', []);
    } catch (e) {
      throw new TspodError('LOGIN_FAILED', `authenticating creds for "${host}": invalid username/password`, { cause: e });
    }
    const again = await call(`${base}/v2/`, { method: 'GET', headers: header ? { authorization: header } : {} });
    if (again.status !== 200) throw new TspodError('LOGIN_FAILED', `authenticating creds for "${host}": invalid username/password`);
  } finally {
    await agent.close();
  }
}

