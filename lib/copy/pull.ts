// Pulling into the local store (podman pull's libimage logic): short-name resolution through
// registries.conf, each candidate tried in order, blocked registries refused, --all-tags.
// Returns the image IDs (config digest hex) pulled.
import { TspodError } from '../errors.ts';
import * as MT from '../oci/media-types.ts';
import { selectPlatform } from '../oci/platform.ts';
import type { ImageReference, SystemContext } from '../transports/types.ts';
import { copyImage, type PolicyChecker } from './index.ts';
import { parseIndex, parseManifest } from './manifest.ts';

export interface PullImageOptions {
  ctx: SystemContext;
  policy?: PolicyChecker;
  allTags?: boolean;
  quiet?: boolean;
  stderr: NodeJS.WritableStream;
  stdout: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** containers-storage reference for a full name or a 64-hex ID. */
  storageReference: (nameOrId: string) => Promise<ImageReference>;
}

const OTHER_TRANSPORT_RE = /^(dir|oci|oci-archive|docker-archive|containers-storage):/;

/** Config digest of the image a source reference designates (one instance of a list by ctx's platform). */
export async function configDigestOf(ref: ImageReference, ctx: SystemContext): Promise<string> {
  const src = await ref.newImageSource(ctx);
  try {
    let m = await src.getManifest();
    if (MT.isIndex(m.mediaType)) {
      const want = Object.fromEntries(Object.entries({ os: ctx.os, architecture: ctx.arch, variant: ctx.variant }).filter(([, v]) => v));
      const d = selectPlatform(parseIndex(m.bytes).manifests, want);
      if (!d) throw new TspodError('NO_MATCHING_PLATFORM', 'no image found in manifest list for the requested platform');
      m = await src.getManifest(d.digest);
    }
    return parseManifest(m.bytes, m.mediaType).config.digest;
  } finally {
    await src.close();
  }
}

function joinErrors(errors: unknown[]): TspodError {
  if (errors.length === 1) {
    const e = errors[0];
    return e instanceof TspodError ? e : new TspodError('PULL', (e as Error).message, { cause: e });
  }
  const last = errors[errors.length - 1] as TspodError;
  const lines = errors.map((e) => ` * ${(e as Error).message.replace(/\n/g, '\n   ')}`);
  return new TspodError(last.code ?? 'PULL', `${errors.length} errors occurred while pulling:\n${lines.join('\n')}`, { cause: last, hint: last.hint });
}

async function pullOne(fullName: string, o: PullImageOptions): Promise<string> {
  const { parseImageName } = await import('../transports/index.ts');
  const { registryFor } = await import('../config/registries.ts');
  if (registryFor(fullName, o.ctx).blocked) {
    throw new TspodError('BLOCKED_REGISTRY', `initializing source docker://${fullName}: registry ${fullName.split('/')[0]} is blocked in registries.conf`);
  }
  const r = await copyImage(await parseImageName(`docker://${fullName}`), await o.storageReference(fullName), {
    srcCtx: o.ctx, destCtx: o.ctx, policy: o.policy, reportWriter: o.quiet ? undefined : o.stderr,
    retryTimes: o.ctx.retryTimes, retryDelayMs: o.ctx.retryDelayMs,
  });
  if (!r.configDigest) throw new TspodError('INTERNAL', 'pulled a list without choosing an image');
  return r.configDigest.slice('sha256:'.length);
}

export async function pullImage(image: string, o: PullImageOptions): Promise<string[]> {
  const { parseImageName } = await import('../transports/index.ts');
  if (OTHER_TRANSPORT_RE.test(image)) {
    const src = await parseImageName(image);
    // named as podman names it (lib/storage/naming.ts), one copy per name; unnamed: stored by ID
    const { localImageNames } = await import('../storage/naming.ts');
    const { names } = await localImageNames(src, o.ctx);
    const id = (await configDigestOf(src, o.ctx)).slice(7);
    const targets = names.length ? names : [id];
    for (const name of targets) {
      await copyImage(src, await o.storageReference(name), {
        srcCtx: o.ctx, destCtx: o.ctx, policy: o.policy, reportWriter: o.quiet ? undefined : o.stderr,
      });
    }
    return targets.map(() => id);
  }
  const name = image.startsWith('docker://') ? image.slice('docker://'.length) : image;
  const ref = await import('../reference/index.ts');

  if (o.allTags) {
    const given = ref.parseReference(name);
    if (given.tag || given.digest) throw new TspodError('INVALID_ARGUMENT', 'tag or digest can\'t be used with --all-tags/-a');
    const parsed = ref.parseNamed(ref.resolveShortName(name, o.ctx)[0]);
    const { openClient, pushEndpoint } = await import('../transports/docker/client.ts');
    const ep = pushEndpoint(parsed.name, o.ctx);
    const client = await openClient(ep, o.ctx);
    const tags = await client.listTags(ep.repo).finally(() => client.close());
    const ids: string[] = [];
    for (const tag of tags) {
      const full = `${parsed.name}:${tag}`;
      if (!o.quiet) o.stderr.write(`Trying to pull ${full}...\n`);
      ids.push(await pullOne(full, o));
    }
    return ids;
  }

  const res = ref.resolveShortNameDetailed(name, o.ctx);
  let candidates = res.candidates;
  if (res.needsPrompt) {
    const chosen = await ref.chooseCandidate(candidates, { stdin: o.stdin, stdout: o.stderr });
    candidates = [chosen];
  }
  if (!o.quiet && res.description && res.description.startsWith('Resolved ')) o.stderr.write(res.description + '\n');
  const errors: unknown[] = [];
  for (const cand of candidates) {
    if (!o.quiet) o.stderr.write(`Trying to pull ${cand}...\n`);
    try {
      const id = await pullOne(cand, o);
      if (res.needsPrompt && res.userInput) await ref.recordShortNameAlias(res.userInput, ref.parseNamed(cand).name).catch(() => {});
      return [id];
    } catch (err) {
      errors.push(err);
    }
  }
  throw joinErrors(errors);
}
