// containers-policy.json(5): which images may be used, per transport and scope. Parsing is strict
// (unknown fields, duplicate keys and bad values are errors naming the file, line and column);
// evaluation follows containers/image signature/policy_eval.go: every requirement in the matching
// list must accept the image.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TspodError } from '../errors.ts';
import type { ImageReference, ImageSource } from '../transports/types.ts';
import { parseJsonWithPositions, JsonPositionError, type PositionedJson } from './json-position.ts';
import type { SignedIdentity } from './identity.ts';
import { evaluateRequirement } from './requirements.ts';

export type KeySource = { keyPath?: string; keyPaths?: string[]; keyData?: string };

export type PolicyRequirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | ({ type: 'signedBy'; keyType: 'GPGKeys'; signedIdentity: SignedIdentity } & KeySource)
  | ({ type: 'sigstoreSigned'; signedIdentity: SignedIdentity } & KeySource);

export interface Policy {
  default: PolicyRequirement[];
  transports: Record<string, Record<string, PolicyRequirement[]>>;
}

/** The policy --insecure-policy stands for. */
export const INSECURE_POLICY: Policy = { default: [{ type: 'insecureAcceptAnything' }], transports: {} };

export function defaultPolicyPath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME;
  const user = home ? join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'policy.json') : undefined;
  if (user && existsSync(user)) return user;
  return '/etc/containers/policy.json';
}

type Path = (string | number)[];

function showPath(p: Path): string {
  let s = '';
  for (const x of p) s += typeof x === 'number' ? `[${x}]` : /^[A-Za-z_][\w-]*$/.test(x) ? (s ? '.' : '') + x : `[${JSON.stringify(x)}]`;
  return s || '(top level)';
}

class PolicyParser {
  constructor(private readonly file: string, private readonly doc: PositionedJson) {}

  fail(path: Path, msg: string): never {
    const at = this.doc.positionOf(path);
    const where = at ? `line ${at.line}, column ${at.column} (${showPath(path)})` : showPath(path);
    throw new TspodError('INVALID_POLICY', `invalid policy in "${this.file}": ${where}: ${msg}`);
  }

  object(v: unknown, path: Path, allowed: string[], required: string[] = []): Record<string, unknown> {
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'expected a JSON object');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail([...path, k], `unknown field "${k}"`);
    for (const k of required) if (!(k in o)) this.fail(path, `missing field "${k}"`);
    return o;
  }

  string(v: unknown, path: Path): string {
    if (typeof v !== 'string') this.fail(path, 'expected a string');
    return v as string;
  }

  policy(): Policy {
    const top = this.object(this.doc.value, [], ['default', 'transports'], ['default']);
    const def = this.requirements(top.default, ['default']);
    const transports: Policy['transports'] = {};
    if (top.transports !== undefined && top.transports !== null) {
      const t = this.object(top.transports, ['transports'], Object.keys(top.transports as object));
      for (const [name, scopes] of Object.entries(t)) {
        if (name === '') this.fail(['transports', name], 'empty transport name');
        const s = this.object(scopes, ['transports', name], Object.keys((scopes as object) ?? {}));
        transports[name] = {};
        for (const [scope, reqs] of Object.entries(s)) {
          const bad = invalidScope(name, scope);
          if (bad) this.fail(['transports', name, scope], `invalid scope "${scope}": ${bad}`);
          transports[name][scope] = this.requirements(reqs, ['transports', name, scope]);
        }
      }
    }
    return { default: def, transports };
  }

  requirements(v: unknown, path: Path): PolicyRequirement[] {
    if (!Array.isArray(v)) this.fail(path, 'expected an array of policy requirements');
    const arr = v as unknown[];
    if (arr.length === 0) this.fail(path, 'no policy requirements (use [{"type":"reject"}] or [{"type":"insecureAcceptAnything"}])');
    return arr.map((r, i) => this.requirement(r, [...path, i]));
  }

  keySource(o: Record<string, unknown>, path: Path): KeySource {
    const given = ['keyPath', 'keyPaths', 'keyData'].filter((k) => o[k] !== undefined);
    if (given.length !== 1) this.fail(path, 'exactly one of keyPath, keyPaths and keyData must be specified');
    if (o.keyPath !== undefined) return { keyPath: this.string(o.keyPath, [...path, 'keyPath']) };
    if (o.keyData !== undefined) {
      const d = this.string(o.keyData, [...path, 'keyData']);
      if (!/^[A-Za-z0-9+/=\s]*$/.test(d)) this.fail([...path, 'keyData'], 'keyData is not base64');
      return { keyData: d };
    }
    if (!Array.isArray(o.keyPaths) || o.keyPaths.length === 0) this.fail([...path, 'keyPaths'], 'expected a non-empty array of paths');
    return { keyPaths: (o.keyPaths as unknown[]).map((p, i) => this.string(p, [...path, 'keyPaths', i])) };
  }

  requirement(v: unknown, path: Path): PolicyRequirement {
    const base = this.object(v, path, Object.keys((v as object) ?? {}), ['type']);
    const type = this.string(base.type, [...path, 'type']);
    switch (type) {
      case 'insecureAcceptAnything':
      case 'reject':
        this.object(v, path, ['type']);
        return { type };
      case 'signedBy': {
        const o = this.object(v, path, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity'], ['keyType']);
        const keyType = this.string(o.keyType, [...path, 'keyType']);
        if (keyType !== 'GPGKeys') this.fail([...path, 'keyType'], `unsupported keyType "${keyType}" (only "GPGKeys" is supported)`);
        return { type, keyType: 'GPGKeys', ...this.keySource(o, path), signedIdentity: this.identity(o.signedIdentity, [...path, 'signedIdentity']) };
      }
      case 'sigstoreSigned': {
        const o = this.object(v, path, ['type', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity', 'fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyData', 'pki']);
        for (const k of ['fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyData', 'pki']) {
          if (o[k] !== undefined) this.fail([...path, k], `"${k}" is not supported by tspod (only public keys)`);
        }
        return { type, ...this.keySource(o, path), signedIdentity: this.identity(o.signedIdentity, [...path, 'signedIdentity']) };
      }
      default:
        return this.fail([...path, 'type'], `unknown policy requirement type "${type}"`);
    }
  }

  identity(v: unknown, path: Path): SignedIdentity {
    if (v === undefined) return { type: 'matchRepoDigestOrExact' };
    const base = this.object(v, path, Object.keys((v as object) ?? {}), ['type']);
    const type = this.string(base.type, [...path, 'type']);
    switch (type) {
      case 'matchExact':
      case 'matchRepoDigestOrExact':
      case 'matchRepository':
        this.object(v, path, ['type']);
        return { type };
      case 'exactReference': {
        const o = this.object(v, path, ['type', 'dockerReference'], ['dockerReference']);
        return { type, dockerReference: this.string(o.dockerReference, [...path, 'dockerReference']) };
      }
      case 'exactRepository': {
        const o = this.object(v, path, ['type', 'dockerRepository'], ['dockerRepository']);
        return { type, dockerRepository: this.string(o.dockerRepository, [...path, 'dockerRepository']) };
      }
      case 'remapIdentity': {
        const o = this.object(v, path, ['type', 'prefix', 'signedPrefix'], ['prefix', 'signedPrefix']);
        return { type, prefix: this.string(o.prefix, [...path, 'prefix']), signedPrefix: this.string(o.signedPrefix, [...path, 'signedPrefix']) };
      }
      default:
        return this.fail([...path, 'type'], `unknown signedIdentity type "${type}"`);
    }
  }
}

const PATH_TRANSPORTS = new Set(['dir', 'oci', 'oci-archive', 'docker-archive']);
const DOCKER_SCOPE = /^[a-zA-Z0-9.-]+(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})?$/;

/** Why a scope cannot be one of this transport's (undefined when fine); unknown transports are not checked. */
function invalidScope(transport: string, scope: string): string | undefined {
  if (scope === '') return undefined;
  if (PATH_TRANSPORTS.has(transport)) return scope.startsWith('/') ? undefined : 'must be an absolute path';
  if (transport === 'docker') {
    if (scope.startsWith('*.')) return /^\*\.[a-zA-Z0-9.-]+$/.test(scope) ? undefined : 'invalid wildcard domain';
    if (scope.includes('://')) return 'must not contain a scheme';
    return DOCKER_SCOPE.test(scope) ? undefined : 'not a registry, namespace, repository or image reference';
  }
  return undefined;
}

/** Parse policy text; `file` names the source in errors. */
export function parsePolicy(text: string, file: string): Policy {
  let doc: PositionedJson;
  try {
    doc = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonPositionError) {
      throw new TspodError('INVALID_POLICY', `invalid policy in "${file}": line ${e.position.line}, column ${e.position.column}: ${e.message}`);
    }
    throw e;
  }
  return new PolicyParser(file, doc).policy();
}

/** The requirements that apply to an image reference: most specific scope of its transport, else default. */
export function requirementsFor(policy: Policy, ref: ImageReference): PolicyRequirement[] {
  const scopes = policy.transports[ref.transport.name];
  if (!scopes) return policy.default;
  const candidates = [ref.policyConfigurationIdentity(), ...ref.policyConfigurationNamespaces()];
  if (ref.transport.name === 'docker') candidates.push(...wildcardScopes(ref.policyConfigurationIdentity()));
  for (const c of candidates) if (Object.prototype.hasOwnProperty.call(scopes, c)) return scopes[c];
  if (Object.prototype.hasOwnProperty.call(scopes, '')) return scopes[''];
  return policy.default;
}

/** "a.b.example.com/ns/repo:tag" -> ["*.b.example.com", "*.example.com", "*.com"] (policy wildcard scopes). */
function wildcardScopes(identity: string): string[] {
  const host = identity.split('/')[0].replace(/:\d+$/, '');
  const labels = host.split('.');
  const out: string[] = [];
  for (let i = 1; i < labels.length; i++) out.push('*.' + labels.slice(i).join('.'));
  return out;
}

export function imageName(ref: ImageReference): string {
  return `${ref.transport.name}:${ref.stringWithinTransport()}`;
}

export interface PolicyContext {
  readonly policy: Policy;
  /** Resolves when the policy accepts the image; throws POLICY_REJECTED ("Source image rejected: ...") otherwise. */
  checkImage(src: ImageSource): Promise<void>;
}

export class PolicyRejectedError extends TspodError {
  constructor(reason: string) {
    super('POLICY_REJECTED', `Source image rejected: ${reason}`);
  }
}

export function policyContext(policy: Policy): PolicyContext {
  return {
    policy,
    async checkImage(src: ImageSource): Promise<void> {
      const reqs = requirementsFor(policy, src.reference);
      let cache: { manifest: Buffer; signatures: Buffer[] } | undefined;
      const material = async () => {
        if (!cache) {
          const m = await src.getManifest();
          cache = { manifest: m.bytes, signatures: await src.getSignatures() };
        }
        return cache;
      };
      for (const req of reqs) {
        const reason = await evaluateRequirement(req, src.reference, material);
        if (reason !== undefined) throw new PolicyRejectedError(reason);
      }
    },
  };
}

export interface LoadPolicyOptions {
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Load policy.json (path, else $HOME/.config/containers/policy.json, else /etc/containers/policy.json). */
export async function loadPolicy(path?: string, opts: LoadPolicyOptions = {}): Promise<PolicyContext> {
  if (opts.insecure) return policyContext(INSECURE_POLICY);
  const file = resolve(path ?? defaultPolicyPath(opts.env));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TspodError('NO_POLICY', `reading policy file "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, {
      hint: 'create it (see containers-policy.json(5)) or pass --policy PATH or --insecure-policy',
    });
  }
  return policyContext(parsePolicy(text, file));
}
