// Image reference grammar of docker/distribution's reference package, with docker.io normalisation:
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [domain '/'] path-component ['/' path-component]*
// JS regexps pick the same submatches as Go's leftmost-first RE2 here, so the optional domain group
// is tried first exactly as in distribution's splitDomain.
import { TspodError } from '../errors.ts';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const NAME_TOTAL_LENGTH_MAX = 255;

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;

const referenceRe = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
const nameRe = new RegExp(`^(?:(${domain})/)?(${pathComponent}(?:/${pathComponent})*)$`);
const tagRe = new RegExp(`^${tag}$`);
const identifierRe = /^[a-f0-9]{64}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed image name. `registry` is empty only for unnormalized parses without a domain. */
export interface NamedReference {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** registry/repository, without tag or digest. */
  readonly name: string;
  /** The full form: name[:tag][@digest]. */
  toString(): string;
}

class Named implements NamedReference {
  constructor(readonly registry: string, readonly repository: string, readonly tag?: string, readonly digest?: string) {}
  get name(): string {
    return this.registry ? `${this.registry}/${this.repository}` : this.repository;
  }
  toString(): string {
    return this.name + (this.tag ? `:${this.tag}` : '') + (this.digest ? `@${this.digest}` : '');
  }
  toJSON(): string {
    return this.toString();
  }
}

export function invalidReference(message: string): TspodError {
  return new TspodError('INVALID_REFERENCE', message);
}

// podman's bare "invalid reference format" does not say which input; the quoted input does (issue 2: errors name the image).
const invalidFormat = (input: string) => invalidReference(`parsing reference ${JSON.stringify(input)}: invalid reference format`);

/** Validate "algo:hex" the way go-digest does (lower-case hex of the algorithm's length). */
export function validateDigest(d: string): void {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) throw invalidReference('invalid checksum digest format');
  const algo = d.slice(0, i);
  const hex = d.slice(i + 1);
  const want = DIGEST_HEX_LENGTH[algo];
  if (want === undefined) {
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(algo)) throw invalidReference('invalid checksum digest format');
    throw invalidReference('unsupported digest algorithm');
  }
  if (hex.length !== want) throw invalidReference('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw invalidReference('invalid checksum digest format');
}

/** distribution's reference.Parse: no normalisation, registry '' when the name has no domain part. */
export function parseReference(s: string): NamedReference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === '') throw invalidReference('repository name must have at least one component');
    if (referenceRe.test(s.toLowerCase())) throw invalidReference('repository name must be lowercase');
    throw invalidFormat(s);
  }
  if (m[1].length > NAME_TOTAL_LENGTH_MAX) throw invalidReference(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const nm = nameRe.exec(m[1])!;
  if (m[3]) validateDigest(m[3]);
  return new Named(nm[1] ?? '', nm[2], m[2] || undefined, m[3] || undefined);
}

function splitDockerDomain(s: string): [string, string] {
  const i = s.indexOf('/');
  let dom: string;
  let rest: string;
  const first = i === -1 ? '' : s.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    dom = DEFAULT_DOMAIN;
    rest = s;
  } else {
    dom = first;
    rest = s.slice(i + 1);
  }
  if (dom === LEGACY_DEFAULT_DOMAIN) dom = DEFAULT_DOMAIN;
  if (dom === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_REPO_PREFIX + rest;
  return [dom, rest];
}

/**
 * distribution's ParseNormalizedNamed: "busybox" -> docker.io/library/busybox (no tag added),
 * "foo/bar:1" -> docker.io/foo/bar:1, "localhost:5000/x@sha256:..." kept.
 * Throws TspodError INVALID_REFERENCE (exit 125) with podman's message.
 */
export function parseNamed(s: string): NamedReference {
  if (identifierRe.test(s)) throw invalidReference(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const [dom, rest] = splitDockerDomain(s);
  const tagSep = rest.indexOf(':');
  const remote = tagSep > -1 ? rest.slice(0, tagSep) : rest;
  if (remote.toLowerCase() !== remote) throw invalidReference('repository name must be lowercase');
  try {
    return parseReference(`${dom}/${rest}`);
  } catch (err) {
    // name the input as given, not its docker.io/library/ form
    if (err instanceof TspodError && err.message.endsWith(': invalid reference format')) throw invalidFormat(s);
    throw err;
  }
}

/** Add ":latest" when the reference has neither tag nor digest (distribution's TagNameOnly). */
export function withDefaultTag(ref: NamedReference): NamedReference {
  if (ref.tag || ref.digest) return ref;
  return new Named(ref.registry, ref.repository, DEFAULT_TAG);
}

/** Same reference with a different tag (digest dropped). */
export function withTag(ref: NamedReference, t: string): NamedReference {
  if (!tagRe.test(t)) throw invalidReference('invalid tag format');
  return new Named(ref.registry, ref.repository, t, ref.digest);
}

export function withDigest(ref: NamedReference, d: string): NamedReference {
  validateDigest(d);
  return new Named(ref.registry, ref.repository, ref.tag, d);
}

/** The name only (TrimNamed). */
export function trimNamed(ref: NamedReference): NamedReference {
  return new Named(ref.registry, ref.repository);
}

/** Build a reference from parts (used when rewriting a registry location). */
export function makeNamed(registry: string, repository: string, t?: string, d?: string): NamedReference {
  return new Named(registry, repository, t, d);
}

/** Full string with ":latest" added when untagged: normalize('busybox') == 'docker.io/library/busybox:latest'. */
export function normalize(s: string): string {
  return withDefaultTag(parseNamed(s)).toString();
}

/** Whether s is a valid tag. */
export function isValidTag(s: string): boolean {
  return tagRe.test(s);
}

function familiarPath(ref: NamedReference): string {
  if (ref.registry !== DEFAULT_DOMAIN) return ref.name;
  const p = ref.repository;
  if (p.startsWith(OFFICIAL_REPO_PREFIX) && !p.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) return p.slice(OFFICIAL_REPO_PREFIX.length);
  return p;
}

/** Docker's short display name: docker.io/library/busybox -> busybox; others unchanged. */
export function familiarName(ref: NamedReference | string): string {
  return familiarPath(typeof ref === 'string' ? parseNamed(ref) : ref);
}

/** familiarName plus tag and digest. */
export function familiarString(ref: NamedReference | string): string {
  const r = typeof ref === 'string' ? parseNamed(ref) : ref;
  return familiarPath(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/**
 * containers/image shortnames.IsShortName: true for "image:tag", "library/fedora"; false for
 * "quay.io/image", "localhost/image", "host:5000/image" and for unparsable input.
 */
export function isShortName(s: string): boolean {
  let ref: NamedReference;
  try {
    ref = parseReference(s);
  } catch {
    return false;
  }
  return !(/[.:]/.test(ref.registry) || ref.registry === 'localhost');
}

/** True when s is a 64-hex image ID or an unambiguous-looking ID prefix (3..64 hex chars). */
export function looksLikeImageId(s: string): boolean {
  return /^(?:sha256:)?[a-f0-9]{3,64}$/.test(s);
}
