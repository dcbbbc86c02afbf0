// skopeo inspect: the image's manifest, config and (for docker://) tags, without pulling layers.
// The output object and its field order are skopeo's inspect.Output.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { Descriptor } from '../../lib/oci/types.ts';
import type { ImageReference, ImageSource, SystemContext } from '../../lib/transports/types.ts';
import { goTime, ociConfig } from '../../lib/copy/config.ts';
import { goJson, imageFlags, retryFlags, sharedBlobDirFlag, skopeoAction, systemContext, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface InspectOptions extends SkopeoGlobalOptions {
  image: string;
  raw?: boolean;
  config?: boolean;
  format?: string;
  noTags?: boolean;
  [k: string]: unknown;
}

async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export async function chooseInstance(src: ImageSource, ctx: SystemContext): Promise<{ top: { bytes: Buffer; mediaType: string }; manifest: { bytes: Buffer; mediaType: string } }> {
  const MT = await import('../../lib/oci/media-types.ts');
  const top = await src.getManifest();
  if (!MT.isIndex(top.mediaType)) return { top, manifest: top };
  const { selectPlatform, hostPlatform } = await import('../../lib/oci/platform.ts');
  const index = JSON.parse(top.bytes.toString('utf8')) as { manifests: Descriptor[] };
  const host = hostPlatform();
  const want = { os: ctx.os ?? host.os, architecture: ctx.arch ?? host.architecture, ...(ctx.variant ? { variant: ctx.variant } : {}) };
  const chosen = selectPlatform(index.manifests, want);
  if (!chosen) {
    throw new TspodError('NO_MATCHING_PLATFORM', `choosing image instance: no image found in manifest list for architecture ${want.architecture}, variant "${ctx.variant ?? ''}", OS ${want.os}`);
  }
  return { top, manifest: await src.getManifest(chosen.digest) };
}

async function repoTags(ref: ImageReference, ctx: SystemContext): Promise<string[]> {
  const { listDockerTags } = await import('./list-tags.ts');
  return listDockerTags(ref, ctx);
}

export function inspectCommand(): CommandModule<InspectOptions> {
  return {
    command: 'inspect <image>',
    describe: 'Inspect image IMAGE-NAME',
    builder: (y0) => {
      const y = positionals(y0, 'image');
      return retryFlags(sharedBlobDirFlag(imageFlags(y, ''), ''))
        .option('raw', { type: 'boolean', describe: 'output raw manifest or configuration' })
        .option('config', { type: 'boolean', describe: 'output configuration' })
        .option('format', { alias: 'f', type: 'string', describe: 'Format the output to a Go template' })
        .option('no-tags', { alias: 'n', type: 'boolean', describe: 'Do not list the available tags from the repository in the output' })
        .example('$0 skopeo inspect docker://registry.fedoraproject.org/fedora', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        if (opts.raw && opts.format) throw new TspodError('INVALID_ARGUMENT', 'raw output does not support format option');
        const { parseImageName } = await import('../../lib/transports/index.ts');
        const { sha256Digest } = await import('../../lib/oci/digest.ts');
        const ref = await parseImageName(opts.image);
        const ctx = systemContext(opts, '', io.env);
        const src = await ref.newImageSource(ctx);
        try {
          if (opts.raw && !opts.config) {
            io.stdout.write((await src.getManifest()).bytes);
            return 0;
          }
          const { top, manifest } = await chooseInstance(src, ctx);
          const m = JSON.parse(manifest.bytes.toString('utf8')) as { schemaVersion?: number; config?: Descriptor; layers?: Descriptor[] };
          const s1 = m.schemaVersion === 1 ? await import('../../lib/oci/schema1.ts') : undefined;
          if (!s1 && (m.schemaVersion !== 2 || !m.config)) throw new TspodError('UNSUPPORTED', `unsupported manifest schema version ${m.schemaVersion}`);
          // schema 1: the config is the top v1Compatibility entry (no layer is read), as skopeo shows it
          const configBytes = s1 ? s1.schema1InspectConfig(manifest.bytes) : await readStream((await src.getBlob(m.config!)).stream);
          if (!s1 && sha256Digest(configBytes) !== m.config!.digest) throw new TspodError('DIGEST_MISMATCH', `config blob ${m.config!.digest} does not match its digest`);
          if (opts.config) {
            if (opts.raw) io.stdout.write(configBytes);
            else {
              const oci = ociConfig(JSON.parse(configBytes.toString('utf8')));
              io.stdout.write(opts.format ? await (await import('../shared/format.ts')).formatOutput(opts.format, oci) : goJson(oci) + '\n');
            }
            return 0;
          }
          const c = JSON.parse(configBytes.toString('utf8')) as Record<string, any>;
          const dockerRef = ref.dockerReference();
          const out: Record<string, unknown> = {};
          if (dockerRef) {
            const { parseDockerRef } = await import('../../lib/signature/identity.ts');
            out.Name = parseDockerRef(dockerRef).name;
          }
          const tag = s1 ? s1.parseSchema1(manifest.bytes).m.tag : '';
          if (tag) out.Tag = tag; // skopeo shows a schema 1 manifest's own tag
          out.Digest = s1 ? s1.schema1Digest(top.bytes) : sha256Digest(top.bytes);
          out.RepoTags = ref.transport.name === 'docker' && !opts.noTags ? await repoTags(ref, ctx) : [];
          out.Created = goTime(c.created);
          out.DockerVersion = c.docker_version ?? '';
          out.Labels = c.config?.Labels ?? null;
          out.Architecture = c.architecture ?? '';
          out.Os = c.os ?? '';
          if (s1) {
            const { m: sm, compat } = s1.parseSchema1(manifest.bytes);
            out.Layers = s1.schema1Layers(sm, compat).map((l) => l.digest); // skopeo 1.9 gives no LayersData here
          } else {
            out.Layers = (m.layers ?? []).map((l) => l.digest);
            out.LayersData = (m.layers ?? []).map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: l.annotations ?? null }));
          }
          out.Env = c.config?.Env ?? null;
          if (opts.format) io.stdout.write(await (await import('../shared/format.ts')).formatOutput(opts.format, out));
          else io.stdout.write(goJson(out) + '\n');
          return 0;
        } finally {
          await src.close();
        }
      }, true),
  };
}
