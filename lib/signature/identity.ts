// Docker reference handling for signature identities and the policy's signedIdentity rules,
// following containers/image signature/policy_reference_match.go. Kept local (and small) because
// the signed identity must be compared exactly as the peers do, without registries.conf short-name
// resolution: "busybox" here means docker.io/library/busybox, never a search.
import { TspodError } from '../errors.ts';

export interface DockerRef {
  /** "docker.io/library/busybox" */
  name: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** Parse and normalise like reference.ParseNormalizedNamed ("busybox" -> docker.io/library/busybox). */
export function parseDockerRef(s: string): DockerRef {
  const bad = (why: string) => new TspodError('INVALID_REFERENCE', `invalid docker reference "${s}": ${why}`);
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('invalid digest');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad('invalid tag');
  }
  if (rest === '') throw bad('empty name');
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    domain = parts.shift()!;
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  for (const p of parts) if (!COMPONENT.test(p)) throw bad(`invalid repository component "${p}"`);
  return { name: `${domain}/${parts.join('/')}`, tag, digest };
}

export function dockerRefString(r: DockerRef): string {
  return r.name + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

function isNameOnly(r: DockerRef): boolean {
  return !r.tag && !r.digest;
}

export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

function tryParse(s: string): DockerRef | undefined {
  try {
    return parseDockerRef(s);
  } catch {
    return undefined;
  }
}

function repoDigestOrExact(intended: DockerRef, signature: DockerRef): boolean {
  if (isNameOnly(signature)) return false;
  if (intended.tag) return dockerRefString(signature) === dockerRefString(intended);
  // The manifest digest itself is compared against the signature elsewhere (signedBy / sigstoreSigned).
  if (intended.digest) return signature.name === intended.name;
  return false;
}

/** Whether a prefix scope ("example.com/ns") covers a reference (containers/image refMatchesPrefix). */
function refMatchesPrefix(ref: DockerRef, prefix: string): boolean {
  const s = ref.name;
  if (s.length < prefix.length || !s.startsWith(prefix)) return false;
  if (s.length === prefix.length) return true;
  return s[prefix.length] === '/' || prefix.endsWith('/');
}

/**
 * Does the signature's claimed identity fit the image? imageRef is the image's docker reference
 * (undefined for transports without one, which then matches only exactReference/exactRepository).
 */
export function identityMatches(rule: SignedIdentity, imageRef: string | undefined, signatureRef: string): boolean {
  const signature = tryParse(signatureRef);
  if (!signature) return false;
  switch (rule.type) {
    case 'exactReference': {
      const want = tryParse(rule.dockerReference);
      if (!want || isNameOnly(want) || isNameOnly(signature)) return false;
      return dockerRefString(want) === dockerRefString(signature);
    }
    case 'exactRepository': {
      const want = tryParse(rule.dockerRepository);
      return !!want && want.name === signature.name;
    }
    default:
      break;
  }
  const intended = imageRef === undefined ? undefined : tryParse(imageRef);
  if (!intended) return false;
  switch (rule.type) {
    case 'matchExact':
      if (isNameOnly(intended) || isNameOnly(signature)) return false;
      return dockerRefString(intended) === dockerRefString(signature);
    case 'matchRepoDigestOrExact':
      return repoDigestOrExact(intended, signature);
    case 'matchRepository':
      return intended.name === signature.name;
    case 'remapIdentity': {
      let effective = intended;
      if (refMatchesPrefix(intended, rule.prefix)) {
        const remapped = tryParse(rule.signedPrefix + dockerRefString(intended).slice(rule.prefix.length));
        if (!remapped) return false;
        effective = remapped;
      }
      return repoDigestOrExact(effective, signature);
    }
  }
}
