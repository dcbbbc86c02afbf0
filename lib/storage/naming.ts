// The names podman 4.3 (libimage pull/load) gives an image it copies into the store from a local
// transport, read from the source before anything is copied:
//   oci:PATH[:REF]            localhost/PATH:latest (the path as given, leading "/" dropped; REF only selects)
//   oci-archive:PATH[:REF]    the selected image's org.opencontainers.image.ref.name, a name without a
//                             registry under localhost/ ("latest" -> localhost/latest:latest); none: unnamed
//   docker-archive:PATH[...]  its RepoTags (docker.io normalisation), only NAME:TAG when given
//   dir:PATH                  unnamed
import { TspodError } from '../errors.ts';
import { normalize, parseNamed, parseReference, withDefaultTag, type NamedReference } from '../reference/parse.ts';
import type { ImageReference, SystemContext } from '../transports/types.ts';

const REF_NAME = 'org.opencontainers.image.ref.name';

/** distribution's error text for a rejected name (ours quotes the input; podman quotes it around). */
function refError(err: unknown, storage: boolean): string {
  const m = (err as Error).message;
  if (m.endsWith('invalid reference format')) return 'invalid reference format';
  if (m === 'repository name must be lowercase' && storage) return 'invalid reference format: repository name must be lowercase';
  return m;
}

/** localhost/PATH, as libimage's toLocalImageName. */
export function localPathName(path: string): string {
  return `localhost/${path.replace(/^\/+/, '')}`;
}

/** The stored name of an image from an OCI layout at `path` (containers-storage adds ":latest"). */
export function ociLayoutStorageName(path: string): string {
  const name = localPathName(path);
  try {
    return withDefaultTag(parseNamed(name)).toString();
  } catch (err) {
    throw new TspodError('INVALID_REFERENCE', `parsing "${name}": parsing named reference "${name}": ${refError(err, true)}`);
  }
}

/** libimage NormalizeName: a name without a registry becomes a localhost/ one; ":latest" when untagged. */
export function normalizeLocalName(name: string): string {
  let ref: NamedReference;
  try {
    ref = parseReference(name);
    const reg = ref.registry;
    ref = parseNamed(/[.:]/.test(reg) || reg === 'localhost' ? name : localPathName(name));
  } catch (err) {
    throw new TspodError('INVALID_REFERENCE', `normalizing name "${name}": ${refError(err, false)}`);
  }
  if (ref.tag && ref.digest) ref = parseNamed(`${ref.name}@${ref.digest}`);
  return withDefaultTag(ref).toString();
}

export interface LocalNames {
  /** Names to store, each copied in turn as podman does (so the last is first in the image's names). */
  names: string[];
  /** What `load` prints for them ("Loaded image: ..."). */
  shown: string[];
}

/** The names podman gives the image `src` designates when it is pulled or loaded into the store. */
export async function localImageNames(src: ImageReference, ctx: SystemContext): Promise<LocalNames> {
  const t = src.transport.name;
  if (t === 'oci') {
    const { path } = src as unknown as { path: string };
    return { names: [ociLayoutStorageName(path)], shown: [localPathName(path)] };
  }
  if (t === 'oci-archive') {
    const { path, image } = src as unknown as { path: string; image: string };
    const index = JSON.parse((await readTarFile(path, 'index.json', ctx)) ?? '{}') as { manifests?: { annotations?: Record<string, string> }[] };
    const ms = index.manifests ?? [];
    const d = image ? ms.find((m) => m.annotations?.[REF_NAME] === image) : ms.length === 1 ? ms[0] : undefined;
    const ref = d?.annotations?.[REF_NAME];
    if (!ref) return { names: [], shown: [] };
    const n = normalizeLocalName(ref);
    return { names: [n], shown: [n] };
  }
  if (t === 'docker-archive') {
    const { path, tag, sourceIndex } = src as unknown as { path: string; tag?: string; sourceIndex?: number };
    if (tag) return { names: [tag], shown: [tag] };
    const items = JSON.parse((await readTarFile(path, 'manifest.json', ctx)) ?? '[]') as { RepoTags?: string[] | null }[];
    const item = items[sourceIndex ?? (items.length === 1 ? 0 : -1)];
    const names = (item?.RepoTags ?? []).map((n) => normalize(n));
    return { names, shown: names };
  }
  if (t === 'containers-storage') {
    const n = src.dockerReference();
    return { names: n ? [n] : [], shown: n ? [n] : [] };
  }
  return { names: [], shown: [] };
}

async function readTarFile(path: string, name: string, ctx: SystemContext): Promise<string | undefined> {
  const { TarIndex } = await import('../transports/docker-archive/tar-index.ts');
  let tar;
  try {
    tar = await TarIndex.open(path, ctx.tmpDir);
  } catch {
    return undefined; // not an archive: the copy reports it
  }
  try {
    return (await tar.readFile(name))?.toString('utf8');
  } finally {
    await tar.close();
  }
}
