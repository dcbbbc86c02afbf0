// skopeo sync: copy a repository (all tags, or one), a directory tree of dir: images, or a YAML
// list of images to a registry namespace or a directory tree (cmd/skopeo/sync.go). Destination
// names: the source's last path component and tag, or the whole source name with --scoped.
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, mkdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { ImageReference, SystemContext } from '../../lib/transports/types.ts';
import { imageFlags, policyFor, retryFlags, skopeoAction, systemContext, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface SyncOptions extends SkopeoGlobalOptions {
  source: string;
  destination: string;
  src?: string;
  dest?: string;
  scoped?: boolean;
  all?: boolean;
  dryRun?: boolean;
  keepGoing?: boolean;
  appendSuffix?: string;
  removeSignatures?: boolean;
  signBy?: string;
  signBySigstorePrivateKey?: string;
  signPassphraseFile?: string;
  format?: string;
  preserveDigests?: boolean;
  retryTimes?: number;
  [k: string]: unknown;
}

interface SourceImage {
  ref: ImageReference;
  /** The name the destination path is derived from ("registry/repo:tag" or a dir sub path). */
  suffix: string;
  ctx: SystemContext;
}

interface YamlRegistry {
  images?: Record<string, string[] | null>;
  'images-by-tag-regex'?: Record<string, string>;
  credentials?: { username?: string; password?: string };
  'tls-verify'?: boolean;
  'cert-dir'?: string;
}

async function dockerImages(name: string, ctx: SystemContext, onlyTags?: string[]): Promise<SourceImage[]> {
  const { parseImageName } = await import('../../lib/transports/index.ts');
  const { listDockerTags } = await import('./list-tags.ts');
  const base = await parseImageName(`docker://${name}`);
  const tags = onlyTags ?? (await listDockerTags(base, ctx));
  const out: SourceImage[] = [];
  for (const t of tags) {
    const sep = /^[a-z0-9]+:[a-f0-9]{32,}$/.test(t) ? '@' : ':';
    const ref = await parseImageName(`docker://${name}${sep}${t}`);
    out.push({ ref, suffix: ref.dockerReference() ?? `${name}${sep}${t}`, ctx });
  }
  return out;
}

function hasTagOrDigest(name: string): boolean {
  return name.includes('@') || name.slice(name.lastIndexOf('/') + 1).includes(':');
}

async function dirImages(root: string): Promise<SourceImage[]> {
  const { parseImageName } = await import('../../lib/transports/index.ts');
  const out: SourceImage[] = [];
  const walk = async (d: string) => {
    if (existsSync(join(d, 'manifest.json'))) {
      const sub = relative(root, d);
      out.push({ ref: await parseImageName(`dir:${d}`), suffix: sub === '' ? basename(root) : sub, ctx: {} });
      return;
    }
    for (const e of await readdir(d, { withFileTypes: true })) if (e.isDirectory()) await walk(join(d, e.name));
  };
  await walk(root);
  return out;
}

async function yamlImages(file: string, base: SystemContext): Promise<{ images: SourceImage[]; sources: number }> {
  const { yamlParse } = await import('../../lib/signature/registries-d.ts');
  const parseYaml = await yamlParse();
  let doc: Record<string, YamlRegistry>;
  try {
    doc = (parseYaml(await readFile(file, 'utf8')) ?? {}) as Record<string, YamlRegistry>;
  } catch (e) {
    throw new TspodError('INVALID_ARGUMENT', `parsing sync YAML file "${file}": ${(e as Error).message}`);
  }
  const images: SourceImage[] = [];
  let sources = 0;
  for (const [registry, cfg] of Object.entries(doc)) {
    const ctx: SystemContext = { ...base };
    if (cfg['tls-verify'] !== undefined) ctx.tlsVerify = cfg['tls-verify'];
    if (cfg['cert-dir']) ctx.certDir = cfg['cert-dir'];
    if (cfg.credentials?.username) ctx.credentials = { username: cfg.credentials.username, password: cfg.credentials.password ?? '' };
    for (const [repo, tags] of Object.entries(cfg.images ?? {})) {
      sources++;
      const name = `${registry}/${repo}`;
      images.push(...(await dockerImages(name, ctx, tags && tags.length ? tags.map(String) : undefined)));
    }
    for (const [repo, re] of Object.entries(cfg['images-by-tag-regex'] ?? {})) {
      sources++;
      const name = `${registry}/${repo}`;
      const { parseImageName } = await import('../../lib/transports/index.ts');
      const { listDockerTags } = await import('./list-tags.ts');
      const rx = new RegExp(re);
      const tags = (await listDockerTags(await parseImageName(`docker://${name}`), ctx)).filter((t) => rx.test(t));
      images.push(...(await dockerImages(name, ctx, tags)));
    }
  }
  return { images, sources };
}

export function syncCommand(): CommandModule<SyncOptions> {
  return {
    command: 'sync <source> <destination>',
    describe: 'Synchronize one or more images from one location to another',
    builder: (y) => {
      y = positionals(y, 'source', 'destination');
      y = imageFlags(y, 'src-', 'the source registry');
      y = imageFlags(y, 'dest-', 'the destination registry');
      y = retryFlags(y);
      return y
        .option('authfile', { type: 'string', describe: 'path of the authentication file for both sides' })
        .option('src', { alias: 's', type: 'string', describe: 'SOURCE transport type (docker, dir, yaml)' })
        .option('dest', { alias: 'd', type: 'string', describe: 'DESTINATION transport type (docker, dir)' })
        .option('scoped', { type: 'boolean', describe: 'Images at DESTINATION are prefix using the full source image path as scope' })
        .option('append-suffix', { type: 'string', default: '', describe: 'String to append to DESTINATION tags' })
        .option('all', { alias: 'a', type: 'boolean', describe: 'Copy all images if SOURCE-IMAGE is a list' })
        .option('dry-run', { type: 'boolean', describe: 'Run without actually copying data' })
        .option('keep-going', { type: 'boolean', describe: 'Do not abort the sync if any image copy fails' })
        .option('remove-signatures', { type: 'boolean', describe: 'Do not copy signatures from SOURCE images' })
        .option('sign-by', { type: 'string', describe: 'Sign the image using a GPG key with the specified FINGERPRINT' })
        .option('sign-by-sigstore-private-key', { type: 'string', describe: 'Sign the image using a sigstore private key at PATH' })
        .option('sign-passphrase-file', { type: 'string', describe: 'File that contains a passphrase for the signing key' })
        .option('format', { alias: 'f', type: 'string', describe: 'MANIFEST TYPE (oci, v2s2) to use when syncing image(s)' })
        .option('preserve-digests', { type: 'boolean', describe: 'Preserve digests of images and lists' })
        .example('$0 skopeo sync --src docker --dest dir registry.example.com/busybox /media/usb', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        if (!opts.src) throw new TspodError('INVALID_ARGUMENT', 'a source transport must be specified (--src docker|dir|yaml)');
        if (!opts.dest) throw new TspodError('INVALID_ARGUMENT', 'a destination transport must be specified (--dest docker|dir)');
        if (!['docker', 'dir', 'yaml'].includes(opts.src)) throw new TspodError('INVALID_ARGUMENT', `sync from '${opts.src}' not implemented, please use one of 'docker', 'dir', 'yaml'`);
        if (!['docker', 'dir'].includes(opts.dest)) throw new TspodError('INVALID_ARGUMENT', `sync to '${opts.dest}' not implemented, please use one of 'docker', 'dir'`);
        if (opts.src === 'dir' && opts.dest === 'dir') throw new TspodError('INVALID_ARGUMENT', "sync from 'dir' to 'dir' not implemented, consider using 'cp' instead");
        const srcCtx = systemContext(opts, 'src-', io.env);
        const destCtx = systemContext(opts, 'dest-', io.env);
        let images: SourceImage[];
        let sources = 1;
        if (opts.src === 'docker') {
          images = hasTagOrDigest(opts.source)
            ? [{ ref: await (await import('../../lib/transports/index.ts')).parseImageName(`docker://${opts.source}`), suffix: '', ctx: srcCtx }]
            : await dockerImages(opts.source, srcCtx);
          for (const i of images) i.suffix ||= i.ref.dockerReference() ?? opts.source;
        } else if (opts.src === 'dir') {
          if (!existsSync(opts.source) || !statSync(opts.source).isDirectory()) throw new TspodError('NO_SUCH_FILE', `${opts.source} is not a directory`);
          images = (await dirImages(opts.source)).map((i) => ({ ...i, ctx: srcCtx }));
        } else {
          const y = await yamlImages(opts.source, srcCtx);
          images = y.images;
          sources = y.sources;
        }
        const { parseImageName } = await import('../../lib/transports/index.ts');
        const { copyImage } = await import('../../lib/copy/index.ts');
        const { copyFlagOptions } = await import('../../lib/copy/options.ts');
        const flags = await copyFlagOptions(opts);
        const policy = await policyFor(opts);
        let synced = 0;
        const failures: string[] = [];
        for (const [n, img] of images.entries()) {
          const suffix = opts.scoped ? img.suffix : basename(img.suffix);
          const destPath = join(opts.destination, suffix) + (opts.appendSuffix ?? '');
          const destName = opts.dest === 'docker' ? `docker://${destPath}` : `dir:${destPath}`;
          io.stderr.write(`Copying image ref ${n + 1}/${images.length}\n`);
          if (opts.dryRun) {
            io.stdout.write(`Would have copied image ref ${img.ref.transport.name}:${img.ref.stringWithinTransport()} to ${destName}\n`);
            synced++;
            continue;
          }
          try {
            if (opts.dest === 'dir') await mkdir(destPath, { recursive: true });
            const dest = await parseImageName(destName);
            await copyImage(img.ref, dest, {
              ...flags,
              srcCtx: img.ctx,
              destCtx,
              all: opts.all,
              preserveDigests: opts.preserveDigests,
              retryTimes: opts.retryTimes,
              reportWriter: io.stdout,
              policy,
              removeSignatures: opts.removeSignatures,
            });
            synced++;
          } catch (e) {
            if (!opts.keepGoing) throw e;
            failures.push(`${img.ref.transport.name}:${img.ref.stringWithinTransport()}: ${(e as Error).message}`);
            io.stderr.write(`Error copying ref ${img.ref.transport.name}:${img.ref.stringWithinTransport()}: ${(e as Error).message}\n`);
          }
        }
        io.stdout.write(`Synced ${synced} images from ${sources} sources\n`);
        if (failures.length) throw new TspodError('SYNC_FAILED', `${failures.length} images failed to sync`);
        return 0;
      }),
  };
}
