// Finding an image in local storage by what the user typed, as podman's libimage does:
// full ID or "sha256:" + full ID; an ID prefix (any length, if unique); a full name (":latest" added);
// a short name: its local candidates (alias, localhost/, the unqualified-search registries, docker.io),
// then any stored name whose repository ends in "/" + the short name with the same tag;
// "name@sha256:..." matches the image with that manifest digest under that repository.
import { TspodError } from '../errors.ts';
import { parseNamed, parseReference, withDefaultTag, isShortName, resolveLocalCandidates, type NamedReference } from '../reference/index.ts';
import type { ImageRecord } from './index.ts';

export function findImageIn(images: ImageRecord[], input: string): ImageRecord | undefined {
  let s = input;
  if (s.startsWith('sha256:')) {
    if (!/^sha256:[a-f0-9]{64}$/.test(s)) throw new TspodError('INVALID_REFERENCE', `${s}: invalid format: no 64-byte hexadecimal value`);
    s = s.slice(7);
    return images.find((r) => r.id === s);
  }
  if (/^[a-f0-9]{1,64}$/.test(s)) {
    const exact = images.find((r) => r.id === s);
    if (exact) return exact;
    const byPrefix = images.filter((r) => r.id.startsWith(s));
    if (byPrefix.length === 1) return byPrefix[0];
    if (s.length === 64) return undefined;
  }
  let ref: NamedReference;
  try {
    ref = parseReference(s);
  } catch {
    return undefined;
  }
  if (ref.digest) return byDigest(images, ref);
  const short = isShortName(s);
  const candidates = short ? localCandidates(s) : [withDefaultTag(parseNamed(s)).toString()];
  for (const c of candidates) {
    const hit = images.find((r) => r.names.includes(c));
    if (hit) return hit;
  }
  if (!short) return undefined;
  // a short name also matches any registry's image with that path suffix ("busybox" -> quay.io/x/busybox)
  const tag = ref.tag ?? 'latest';
  const suffix = '/' + ref.name;
  for (const r of images) {
    for (const n of r.names) {
      const nr = safeParse(n);
      if (nr && nr.tag === tag && nr.name.endsWith(suffix)) return r;
    }
  }
  return undefined;
}

function localCandidates(s: string): string[] {
  let out: string[] = [];
  try {
    out = resolveLocalCandidates(s);
  } catch {
    // a broken registries.conf must not make local lookups fail
  }
  const docker = withDefaultTag(parseNamed(s)).toString();
  return out.includes(docker) ? out : [...out, docker];
}

function safeParse(n: string): NamedReference | undefined {
  try {
    return parseReference(n);
  } catch {
    return undefined;
  }
}

function byDigest(images: ImageRecord[], ref: NamedReference): ImageRecord | undefined {
  const withDigest = images.filter((r) => r.digests.includes(ref.digest!));
  const short = isShortName(ref.name);
  const full = short ? undefined : parseNamed(ref.name).name;
  for (const r of withDigest) {
    for (const n of r.names) {
      const nr = safeParse(n);
      if (!nr) continue;
      if (full ? nr.name === full : nr.name === ref.name || nr.name.endsWith('/' + ref.name)) return r;
    }
  }
  // podman also finds a dangling image by repo@digest when the repo matches its history
  for (const r of withDigest) {
    for (const n of r.namesHistory) {
      const nr = safeParse(n);
      if (nr && (full ? nr.name === full : nr.name.endsWith('/' + ref.name))) return r;
    }
  }
  return undefined;
}
