// copyImage: the containers/image copy pipeline. Read the manifest (one instance of a list unless
// --all), check policy, decide the destination's manifest format and each layer's compression, copy
// config and layers (3 at a time) as streams from source to destination, verify every blob in ONE
// place (DigestingStream, which errors at the end on a mismatch so the destination discards it),
// write the manifest and signatures, and commit only when everything verified.
import { TtyProgress } from './progress.ts';
import { Readable } from 'node:stream';
import { TspodError } from '../errors.ts';
import { sha256Digest } from '../oci/digest.ts';
import * as MT from '../oci/media-types.ts';
import { formatPlatform, selectPlatform } from '../oci/platform.ts';
import type { Descriptor, Manifest } from '../oci/types.ts';
import type { ImageDestination, ImageReference, ImageSource, ManifestBytes, PutBlobOptions, SystemContext } from '../transports/types.ts';
import { compressor, decompressor, detectCompression, DigestingStream, DigestMismatchError, peek } from './blob.ts';
import {
  guessManifestMediaType, indexTypeFor, isKnownLayerType, layerMediaType, parseIndex, parseManifest, serializeIndex, serializeManifest,
} from './manifest.ts';
import { limiter, mapLimit, withRetry } from './retry.ts';
import { convertConfigToOci } from './config.ts';
import { decryptLayer, decryptedMediaType, encryptLayer, isEncryptedMediaType, layersToEncrypt, withoutEncryptionAnnotations, type LayerCryptoOptions } from '../encryption/index.ts';

export interface PolicyChecker {
  checkImage(src: ImageSource): Promise<void>;
}

export interface CopyOptions {
  srcCtx?: SystemContext;
  destCtx?: SystemContext;
  /** Copy every instance of a list and the list itself (skopeo --all). */
  all?: boolean;
  /** skopeo --multi-arch: 'system' (default: one instance), 'all', or true for 'all'. */
  multiArch?: boolean | 'system' | 'all' | 'index-only';
  /** Force a manifest format. */
  format?: 'oci' | 'v2s2' | 'v2s1';
  /** Compression of the layers the destination wants compressed (default gzip; skopeo --dest-compress-format). */
  compression?: 'gzip' | 'zstd';
  compressionLevel?: number;
  /** Refuse anything that would change a digest. */
  preserveDigests?: boolean;
  retryTimes?: number;
  retryDelayMs?: number;
  /** Progress lines as skopeo prints them ("Copying blob sha256:..."). */
  reportWriter?: NodeJS.WritableStream;
  policy?: PolicyChecker;
  /** Make signatures for the written manifest (helper 6). */
  sign?: (manifest: Buffer, dockerRef?: string) => Promise<Buffer[]>;
  removeSignatures?: boolean;
  /** Blob transfers in flight (default 3); the checks whether the destination has a blob all go at once. */
  concurrency?: number;
  /** Layer encryption/decryption (skopeo --encryption-key, --encrypt-layer, --decryption-key; lib/encryption). */
  crypto?: LayerCryptoOptions;
}

export interface CopyResult {
  /** Digest of the top-level manifest written (the list with --all). */
  manifestDigest: string;
  manifest: Buffer;
  mediaType: string;
  /** Config digest of the single image copied (undefined for a list). */
  configDigest?: string;
}

type Transfers = ReturnType<typeof limiter>;

/** change: compression changes; decrypt/encrypt: the layer goes through lib/encryption. */
type Plan = { from: MT.Compression; to: MT.Compression; change: boolean; known: boolean; decrypt?: boolean; encrypt?: boolean };

class Copier {
  private readonly report: (line: string) => void;
  private readonly tty?: TtyProgress;
  constructor(
    private readonly srcRef: ImageReference,
    private readonly destRef: ImageReference,
    private src: ImageSource, // a schema1 source becomes its schema2 view in copySingle
    private readonly dest: ImageDestination,
    private readonly opts: CopyOptions,
  ) {
    const w = opts.reportWriter as (NodeJS.WritableStream & { isTTY?: boolean }) | undefined;
    this.tty = w?.isTTY ? new TtyProgress(w) : undefined;
    this.report = this.tty ? (line) => this.tty!.log(line) : (line) => void w?.write(line + '\n');
  }

  private retry<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      retryTimes: this.opts.retryTimes,
      delayMs: this.opts.retryDelayMs,
      onRetry: (i, max, ms, err) => this.report(`Failed, retrying in ${Math.round(ms / 1000)}s ... (${i}/${max}). Error: ${(err as Error).message}`),
    });
  }

  async run(): Promise<CopyResult> {
    const top = await this.retry(() => this.src.getManifest());
    if (this.opts.policy) await this.opts.policy.checkImage(this.src);
    if (MT.isIndex(top.mediaType)) {
      const multi = this.opts.all || this.opts.multiArch === true || this.opts.multiArch === 'all';
      if (this.opts.multiArch === 'index-only') return this.copyList(top, false);
      if (multi) return this.copyList(top);
      const index = parseIndex(top.bytes);
      const ctx = this.opts.srcCtx ?? {};
      const want = { os: ctx.os, architecture: ctx.arch, variant: ctx.variant };
      const chosen = selectPlatform(index.manifests, Object.fromEntries(Object.entries(want).filter(([, v]) => v)) as any);
      if (!chosen) {
        const arch = want.architecture ?? (process.arch === 'x64' ? 'amd64' : process.arch);
        throw new TspodError('NO_MATCHING_PLATFORM', `choosing an image from manifest list ${this.srcName()}: no image found in manifest list for architecture ${arch}, variant "${want.variant ?? ''}", OS ${want.os ?? 'linux'}`);
      }
      const inst = await this.getInstance(chosen.digest);
      this.dest.noteTopLevelManifest?.(sha256Digest(top.bytes));
      this.report('Getting image source signatures');
      return this.copySingle(inst, chosen.digest, false);
    }
    this.report('Getting image source signatures');
    return this.copySingle(top, undefined, false);
  }

  private srcName(): string {
    return `${this.srcRef.transport.name}:${this.srcRef.stringWithinTransport()}`;
  }

  private async getInstance(digest: string): Promise<ManifestBytes> {
    const m = await this.retry(() => this.src.getManifest(digest));
    const actual = sha256Digest(m.bytes);
    if (digest.startsWith('sha256:') && actual !== digest) throw new DigestMismatchError(digest, actual);
    return { bytes: m.bytes, mediaType: m.mediaType || guessManifestMediaType(m.bytes) };
  }

  /**
   * containers/image's determineManifestConversion: --format replaces the destination's list of
   * types; a manifest that must not change (signatures, --preserve-digests) goes as it is, and the
   * destination may refuse it then.
   */
  private targetManifestType(srcType: string, needsOci: boolean, canModify = true): string {
    const forced = this.opts.format === 'oci' ? MT.OCI_MANIFEST : this.opts.format === 'v2s2' ? MT.DOCKER_MANIFEST : undefined;
    const supported = forced ? [forced] : this.dest.supportedManifestMimeTypes();
    if (!canModify) return srcType;
    if (forced === MT.DOCKER_MANIFEST && needsOci) {
      throw new TspodError('UNSUPPORTED_CONVERSION', 'zstd compressed layers are not supported in docker schema2 manifests; use --format oci');
    }
    const ok = (t: string) => supported.length === 0 || supported.includes(t);
    if (ok(srcType) && !(needsOci && srcType === MT.DOCKER_MANIFEST)) return srcType;
    const candidates = needsOci ? [MT.OCI_MANIFEST] : [MT.OCI_MANIFEST, MT.DOCKER_MANIFEST].sort((a) => (supported.indexOf(a) === -1 ? 1 : -1));
    const t = (supported.length ? supported : candidates).find((s) => candidates.includes(s) && ok(s));
    if (!t) throw new TspodError('UNSUPPORTED_FORMAT', `the destination ${this.destRef.transport.name}: accepts none of the manifest types this image can be converted to`);
    return t;
  }

  private planLayer(l: Descriptor, toEncrypt = false, canRecompress = true): Plan {
    const decrypt = isEncryptedMediaType(l.mediaType) && !!this.opts.crypto?.decrypt;
    // As containers/image: a layer encrypted in the source is not encrypted again.
    const encrypt = toEncrypt && !isEncryptedMediaType(l.mediaType);
    const type = decrypt ? decryptedMediaType(l.mediaType) : l.mediaType;
    const known = isKnownLayerType(type);
    const from = known ? MT.layerCompression(type) : 'none';
    if (!known) return { from, to: from, change: false, known, decrypt, encrypt };
    // As containers/image: the chosen compression (default gzip) applies only where the destination
    // wants layers compressed (docker:, oci:, dir: with --dest-compress); 'preserve' keeps them as they are.
    let to: MT.Compression = from;
    const wish = canRecompress ? this.dest.desiredLayerCompression() : 'preserve';
    if (wish === 'decompress') to = 'none';
    else if (wish === 'compress') to = from === 'none' ? (this.opts.compression ?? 'gzip') : (this.opts.compression ?? from);
    return { from, to, change: to !== from, known, decrypt, encrypt };
  }

  /** Encrypted layers need an OCI manifest: those we write, and those copied still encrypted. */
  private checkEncryptionFormat(layers: Descriptor[], plans: Plan[]): boolean {
    const needs = plans.some((p, i) => p.encrypt || (!p.decrypt && isEncryptedMediaType(layers[i].mediaType)));
    if (!needs) return false;
    const supported = this.dest.supportedManifestMimeTypes();
    const dest = `${this.destRef.transport.name}:${this.destRef.stringWithinTransport()}`;
    if (this.opts.format === 'v2s2') throw new TspodError('UNSUPPORTED_FORMAT', 'encrypted layers need an OCI manifest, which --format v2s2 does not allow');
    if (supported.length && !supported.includes(MT.OCI_MANIFEST)) {
      throw new TspodError('UNSUPPORTED_FORMAT', `encrypted layers need an OCI manifest, which the destination ${dest} does not accept${plans.some((p) => p.encrypt) ? '' : ' (use --decryption-key to decrypt them)'}`);
    }
    return true;
  }

  private async copySingle(mb: ManifestBytes, instanceDigest: string | undefined, asInstance: boolean): Promise<CopyResult> {
    let srcType = mb.mediaType || guessManifestMediaType(mb.bytes);
    if (srcType === MT.DOCKER_SCHEMA1 || srcType === MT.DOCKER_SCHEMA1_SIGNED) {
      // schema1 stays where the destination takes any manifest (dir:) and nothing asks for a change, or
      // digests must stay (skopeo then writes it even into oci:); else it is read as the schema2 image
      // it converts to (lib/copy/schema1.ts), as containers/image does.
      // A registry is offered the schema1 manifest first (skopeo's order); when it refuses, the copy
      // goes on converted (skopeo 1.9 stops there).
      const registry = this.destRef.transport.name === 'docker' && !this.opts.format;
      const keep = this.opts.preserveDigests || this.opts.format === 'v2s1' || registry || (!this.opts.format && !this.dest.supportedManifestMimeTypes().length);
      const kept = keep && !this.opts.crypto ? await this.copySchema1AsIs(mb, srcType, instanceDigest, registry && !this.opts.preserveDigests) : undefined;
      if (kept) return kept;
      const { schema1AsSchema2 } = await import('./schema1.ts');
      const conv = await this.retry(() => schema1AsSchema2(this.src, mb.bytes));
      this.src = conv.source;
      mb = conv.manifest;
      srcType = MT.DOCKER_MANIFEST;
    }
    const m = parseManifest(mb.bytes, srcType);
    const enc = this.opts.crypto?.encrypt;
    const encrypted = enc ? layersToEncrypt(enc, m.layers.length) : new Set<number>();
    let sigs: Buffer[] = [];
    if (!this.opts.removeSignatures) sigs = await this.retry(() => this.src.getSignatures(instanceDigest));
    // As containers/image: no layer is recompressed for the destination's sake when that would change
    // a digest that has to stay (signatures being copied, --preserve-digests).
    const canRecompress = !this.opts.preserveDigests && sigs.length === 0;
    const plans = m.layers.map((l, i) => this.planLayer(l, encrypted.has(i), canRecompress));
    if (this.opts.format === 'v2s1') return this.copyAsSchema1(m, plans, sigs);
    const needsOci = plans.some((p) => p.known && p.to === 'zstd') || this.checkEncryptionFormat(m.layers, plans);
    const target = this.targetManifestType(srcType, needsOci, canRecompress);
    const changes = target !== srcType || plans.some((p) => p.change || p.decrypt || p.encrypt);
    if (this.opts.preserveDigests && changes) {
      throw new TspodError('PRESERVE_DIGESTS', `preserving digests is not possible: copying to ${this.destRef.transport.name}: requires ${target !== srcType ? `converting the manifest to ${target}` : 'changing layer compression'}`);
    }

    if (sigs.length) {
      if (changes) {
        throw new TspodError('SIGNATURES_INVALIDATED', `copying ${this.srcName()}: would invalidate signatures; use --remove-signatures`);
      }
      if (!this.dest.supportsSignatures()) {
        throw new TspodError('SIGNATURES_UNSUPPORTED', `cannot copy signatures to ${this.destRef.transport.name}:${this.destRef.stringWithinTransport()}: the destination does not support signatures`);
      }
    }

    // Every layer's reuse check (a registry HEAD or mount) at once, at most `concurrency` transfers.
    const transfers = limiter(this.opts.concurrency ?? 3);
    const configAsOci = srcType === MT.DOCKER_MANIFEST && target === MT.OCI_MANIFEST;
    const configOpts: PutBlobOptions = { isConfig: true, layerIndex: -1 };
    // The config's reuse check goes along (one round trip less); it is copied after the layers, as
    // containers/image orders it.
    const configReuse = configAsOci ? undefined : this.retry(() => this.dest.tryReusingBlob(m.config, configOpts));
    configReuse?.catch(() => {}); // awaited below, or dropped when a layer fails
    let layers: Descriptor[];
    try {
      layers = await mapLimit(m.layers, m.layers.length, (l, i) => this.copyBlob(l, plans[i], { isConfig: false, layerIndex: i }, target, transfers));
    } catch (err) {
      await configReuse?.catch(() => {});
      throw err;
    }
    let config: Descriptor;
    if (configAsOci) config = await this.copyConfigAsOci(m.config);
    else {
      this.report(`Copying config ${m.config.digest}`);
      config = await this.copyBlob(m.config, { from: 'none', to: 'none', change: false, known: false }, configOpts, target, transfers, configReuse);
    }

    let bytes = mb.bytes;
    if (changes) {
      const out: Manifest = { ...m, schemaVersion: 2, layers, config: { ...m.config, digest: config.digest, size: config.size } };
      if (target !== srcType) {
        out.mediaType = target;
        out.config.mediaType = target === MT.DOCKER_MANIFEST ? MT.DOCKER_CONFIG : MT.OCI_CONFIG;
        if (target === MT.DOCKER_MANIFEST) delete out.annotations;
      }
      bytes = serializeManifest(out, target);
    }
    const digest = sha256Digest(bytes);
    this.report('Writing manifest to image destination');
    await this.retry(() => this.dest.putManifest(bytes, target, asInstance ? digest : undefined));
    if (this.opts.sign) sigs = [...sigs, ...(await this.opts.sign(bytes, this.destRef.dockerReference()))];
    this.report('Storing signatures');
    if (sigs.length) await this.dest.putSignatures(sigs, asInstance ? digest : undefined);
    return { manifestDigest: digest, manifest: bytes, mediaType: target, configDigest: config.digest };
  }

  /** --format v2s1: the layers as they are planned for schema2, the config read (not stored), a signed schema1 manifest. */
  private async copyAsSchema1(m: Manifest, plans: Plan[], sigs: Buffer[]): Promise<CopyResult> {
    const S1 = await import('../oci/schema1.ts');
    const type = MT.DOCKER_SCHEMA1_SIGNED;
    if (this.opts.preserveDigests) throw new TspodError('PRESERVE_DIGESTS', `preserving digests is not possible: copying to ${this.destRef.transport.name}: requires converting the manifest to ${type}`);
    if (sigs.length) throw new TspodError('SIGNATURES_INVALIDATED', `copying ${this.srcName()}: would invalidate signatures; use --remove-signatures`);
    if (this.opts.crypto?.encrypt || m.layers.some((l) => isEncryptedMediaType(l.mediaType))) throw new TspodError('UNSUPPORTED_FORMAT', 'encrypted layers need an OCI manifest, which --format v2s1 does not allow');
    if (plans.some((p) => p.known && p.to === 'zstd')) throw new TspodError('UNSUPPORTED_CONVERSION', 'zstd compressed layers are not supported in docker schema1 manifests');
    const transfers = limiter(this.opts.concurrency ?? 3);
    const layers = await mapLimit(m.layers, m.layers.length, (l, i) => this.copyBlob(l, plans[i], { isConfig: false, layerIndex: i }, MT.DOCKER_MANIFEST, transfers));
    const config = await this.retry(async () => {
      const chunks: Buffer[] = [];
      for await (const c of (await this.src.getBlob(m.config)).stream) chunks.push(Buffer.from(c));
      const b = Buffer.concat(chunks);
      if (sha256Digest(b) !== m.config.digest) throw new DigestMismatchError(m.config.digest, sha256Digest(b), true);
      return b;
    });
    // schema1 names its repository without the registry, and the tag of the destination
    const { name, tag } = S1.schema1NameTag(this.destRef.dockerReference() ?? '');
    const payload = S1.schema1FromImage(config, layers.map((l) => l.digest), name, tag);
    if (payload.includes(S1.GZIPPED_EMPTY_LAYER_DIGEST)) {
      const empty = { mediaType: MT.DOCKER_LAYER_GZIP, digest: S1.GZIPPED_EMPTY_LAYER_DIGEST, size: S1.GZIPPED_EMPTY_LAYER.length };
      const popts: PutBlobOptions = { isConfig: false, layerIndex: m.layers.length };
      if (!(await this.retry(() => this.dest.tryReusingBlob(empty, popts)))) await this.retry(() => this.dest.putBlob(Readable.from([S1.GZIPPED_EMPTY_LAYER]), empty, popts));
    }
    const bytes = S1.signSchema1(payload);
    this.report('Writing manifest to image destination');
    try {
      await this.retry(() => this.dest.putManifest(bytes, type));
    } catch (err) {
      // distribution answers 500 "unknown error" unless compatibility.schema1.enabled is set
      if (this.destRef.transport.name !== 'docker') throw err;
      const e = err as TspodError;
      throw new TspodError(e.code ?? 'MANIFEST_REJECTED', `writing manifest: ${e.message} (does the registry accept Docker schema 1 manifests?)`, { cause: err });
    }
    const own = this.opts.sign ? await this.opts.sign(bytes, this.destRef.dockerReference()) : [];
    this.report('Storing signatures');
    if (own.length) await this.dest.putSignatures(own);
    return { manifestDigest: S1.schema1Digest(bytes), manifest: bytes, mediaType: type };
  }

  /** A schema1 image unchanged: its layers (sizes unknown), the manifest bytes, its signatures. */
  private async copySchema1AsIs(mb: ManifestBytes, mediaType: string, instanceDigest: string | undefined, mayFail = false): Promise<CopyResult | undefined> {
    const { parseSchema1, schema1Digest, schema1NameTag, schema1WithReference } = await import('../oci/schema1.ts');
    const digests = [...new Set(parseSchema1(mb.bytes).m.fsLayers.map((l) => l.blobSum).reverse())];
    // as containers/image: the manifest names the destination's repository and tag (signed again)
    const original = mb.bytes;
    const destName = this.destRef.dockerReference();
    if (destName && !this.opts.preserveDigests) {
      const { name, tag } = schema1NameTag(destName);
      mb = { ...mb, bytes: schema1WithReference(mb.bytes, name, tag) };
    }
    const sigs = this.opts.removeSignatures ? [] : await this.retry(() => this.src.getSignatures(instanceDigest));
    if (sigs.length && mb.bytes !== original) throw new TspodError('SIGNATURES_INVALIDATED', `copying ${this.srcName()}: would invalidate signatures; use --remove-signatures`);
    if (sigs.length && !this.dest.supportsSignatures()) {
      throw new TspodError('SIGNATURES_UNSUPPORTED', `cannot copy signatures to ${this.destRef.transport.name}:${this.destRef.stringWithinTransport()}: the destination does not support signatures`);
    }
    const transfers = limiter(this.opts.concurrency ?? 3);
    const plan: Plan = { from: 'none', to: 'none', change: false, known: false };
    await mapLimit(digests, digests.length, (digest, i) => this.copyBlob({ mediaType: MT.DOCKER_LAYER_GZIP, digest, size: -1 }, plan, { isConfig: false, layerIndex: i }, mediaType, transfers));
    this.report('Writing manifest to image destination');
    try {
      await this.retry(() => this.dest.putManifest(mb.bytes, mediaType));
    } catch (err) {
      if (mayFail) return undefined;
      throw err;
    }
    this.report('Storing signatures');
    if (sigs.length) await this.dest.putSignatures(sigs);
    return { manifestDigest: schema1Digest(mb.bytes), manifest: mb.bytes, mediaType };
  }

  /** schema2 -> OCI: containers/image writes the config again as an OCI one (lib/copy/config.ts). */
  private async copyConfigAsOci(desc: Descriptor): Promise<Descriptor> {
    const original = await this.retry(async () => {
      const chunks: Buffer[] = [];
      for await (const c of (await this.src.getBlob(desc)).stream) chunks.push(Buffer.from(c));
      const b = Buffer.concat(chunks);
      if (sha256Digest(b) !== desc.digest || b.length !== desc.size) throw new DigestMismatchError(desc.digest, sha256Digest(b), true);
      return b;
    });
    const bytes = convertConfigToOci(original);
    const out: Descriptor = { mediaType: MT.OCI_CONFIG, digest: sha256Digest(bytes), size: bytes.length };
    this.report(`Copying config ${out.digest}`);
    const popts: PutBlobOptions = { isConfig: true, layerIndex: -1 };
    if (await this.retry(() => this.dest.tryReusingBlob(out, popts))) return out;
    await this.retry(() => this.dest.putBlob(Readable.from([bytes]), { digest: out.digest, size: out.size, mediaType: out.mediaType }, popts));
    return out;
  }

  /** The list and, unless `instances` is false (--multi-arch=index-only), every image in it. */
  private async copyList(top: ManifestBytes, instances = true): Promise<CopyResult> {
    if (!this.dest.supportsManifestLists()) {
      throw new TspodError('UNSUPPORTED', `copying multiple images: destination transport "${this.destRef.transport.name}" does not support copying multiple images as a group`);
    }
    const index = parseIndex(top.bytes);
    const n = index.manifests.length;
    this.report('Getting image list signatures');
    this.report(`Copying ${instances ? n : 0} of ${n} images in list`);
    let changed = false;
    const manifests: Descriptor[] = instances ? [] : index.manifests;
    for (const [i, d] of (instances ? index.manifests : []).entries()) {
      this.report(`Copying image ${d.digest} (${i + 1}/${n})`);
      this.report('Getting image source signatures');
      const inst = await this.getInstance(d.digest);
      const r = await this.copySingle(inst, d.digest, true);
      const nd = { ...d, digest: r.manifestDigest, size: r.manifest.length, mediaType: r.mediaType };
      if (nd.digest !== d.digest || nd.mediaType !== d.mediaType) changed = true;
      manifests.push(nd);
    }
    let listType = top.mediaType;
    const forced = this.opts.format ? indexTypeFor(this.opts.format === 'oci' ? MT.OCI_MANIFEST : MT.DOCKER_MANIFEST) : undefined;
    const supported = this.dest.supportedManifestMimeTypes();
    if (forced && forced !== listType) listType = forced;
    else if (supported.length && !supported.includes(listType)) listType = listType === MT.OCI_INDEX ? MT.DOCKER_MANIFEST_LIST : MT.OCI_INDEX;
    if (this.opts.preserveDigests && (changed || listType !== top.mediaType)) {
      throw new TspodError('PRESERVE_DIGESTS', 'preserving digests is not possible: the manifest list would change');
    }
    let bytes = top.bytes;
    if (changed || listType !== top.mediaType) {
      const out = { ...index, manifests, mediaType: listType };
      bytes = serializeIndex(out, listType);
    }
    this.report('Writing manifest list to image destination');
    await this.retry(() => this.dest.putManifest(bytes, listType));
    let sigs = this.opts.removeSignatures ? [] : await this.src.getSignatures();
    if (this.opts.sign) sigs = [...sigs, ...(await this.opts.sign(bytes, this.destRef.dockerReference()))];
    this.report('Storing list signatures');
    if (sigs.length) await this.dest.putSignatures(sigs);
    return { manifestDigest: sha256Digest(bytes), manifest: bytes, mediaType: listType };
  }

  /** Copy one blob: reuse when possible, else stream source -> verify -> (recompress) -> destination. */
  private async copyBlob(
    desc: Descriptor, planned: Plan, popts: PutBlobOptions, target: string, transfers: Transfers, reuse?: Promise<Descriptor | undefined>,
  ): Promise<Descriptor> {
    const bar = popts.isConfig ? undefined : this.tty?.blob(desc.digest, desc.size);
    if (!popts.isConfig && !bar) this.report(`Copying blob ${desc.digest}`);
    const result = await this.copyBlobData(desc, planned, popts, target, transfers, reuse, bar);
    if (bar) this.tty!.finish(bar, bar.done === 0 ? 'skipped: already exists' : 'done');
    return result;
  }

  /** `reuse`: the answer of a reuse check already made. */
  private async copyBlobData(
    desc: Descriptor, planned: Plan, popts: PutBlobOptions, target: string, transfers: Transfers, reuse?: Promise<Descriptor | undefined>, bar?: ReturnType<TtyProgress['blob']>,
  ): Promise<Descriptor> {
    const plan = planned;
    const srcType = plan.decrypt ? decryptedMediaType(desc.mediaType) : desc.mediaType;
    const mediaType = plan.known ? layerMediaType(target, plan.to, srcType) : srcType;
    const annotations = plan.decrypt ? withoutEncryptionAnnotations(desc.annotations) : desc.annotations;
    const transformed = plan.change || plan.decrypt || plan.encrypt;
    const finish = (d: { digest: string; size: number }, over?: { mediaType: string; annotations?: Record<string, string> }): Descriptor => {
      const out: Descriptor = { mediaType: over?.mediaType ?? mediaType, digest: d.digest, size: d.size };
      if (desc.urls) out.urls = desc.urls;
      const a = over ? over.annotations : annotations;
      if (a) out.annotations = a;
      return out;
    };
    if (!transformed) {
      const reused = await (reuse ?? this.retry(() => this.dest.tryReusingBlob(desc, popts)));
      if (reused) return finish({ ...desc, digest: reused.digest, size: reused.size });
    }
    return transfers(() => this.retry(async () => {
      // Unwrap the layer key before fetching anything: a wrong key fails fast.
      const decryption = planned.decrypt ? decryptLayer(desc, this.opts.crypto!.decrypt!) : undefined;
      let { stream } = await this.src.getBlob(desc);
      let plan = planned;
      if (plan.change && !plan.decrypt) {
        // Trust the bytes, not the media type (docker-archive labels uncompressed layers gzip).
        const p = await peek(stream);
        stream = p.stream;
        const actual = detectCompression(p.head);
        plan = { ...plan, from: actual, change: actual !== plan.to };
      }
      const verify = new DigestingStream({ digest: desc.digest, size: desc.size });
      if (bar) {
        bar.done = 0; // a retry starts over
        verify.onChunk = (n) => this.tty!.update(bar, n);
      }
      const chain: NodeJS.ReadWriteStream[] = [verify];
      let measure: DigestingStream | undefined;
      // The decrypting stream checks the HMAC at the end. The plaintext digest the encrypter recorded is
      // not checked: skopeo records the source digest even when it recompressed the layer first.
      if (decryption) chain.push(decryption.stream);
      if (plan.change) {
        if (plan.from !== 'none') chain.push(decompressor(plan.from));
        if (plan.to !== 'none') chain.push(compressor(plan.to, this.opts.compressionLevel));
      }
      const encryption = plan.encrypt ? encryptLayer(this.opts.crypto!.encrypt!) : undefined;
      if (encryption) chain.push(encryption.stream);
      if (transformed) {
        measure = new DigestingStream();
        chain.push(measure);
      }
      const all = [stream, ...chain] as unknown as Array<Readable>;
      const last = all[all.length - 1];
      const fail = (err: Error) => {
        for (const s of all) if (s !== last) s.destroy();
        last.destroy(err);
      };
      // Errors reach the caller through putBlob's rejection and verify.result(); never unhandled.
      last.on('error', () => {});
      for (let i = 0; i + 1 < all.length; i++) {
        all[i].on('error', fail);
        all[i].pipe(all[i + 1] as any);
      }
      let stored: Descriptor;
      try {
        stored = await this.dest.putBlob(last, transformed ? { size: -1, mediaType } : { digest: desc.digest, size: desc.size, mediaType }, popts);
      } catch (err) {
        for (const s of all) s.destroy();
        // podman: "writing blob: happened during read: Digest did not match, expected ..., got ..."
        if (err instanceof DigestMismatchError) throw new TspodError(err.code, `writing blob: ${err.message}`, { cause: err });
        throw err;
      }
      try {
        verify.result(); // throws if the destination returned before the stream ended
      } catch (err) {
        if (err instanceof DigestMismatchError) throw new TspodError(err.code, `writing blob: ${err.message}`, { cause: err });
        throw err;
      }
      if (measure) {
        const r = measure.result();
        if (stored.digest !== r.digest) throw new DigestMismatchError(r.digest, stored.digest);
        return finish(r, encryption?.finish({ mediaType, annotations }));
      }
      return finish({ ...desc, digest: stored.digest || desc.digest, size: desc.size });
    }));
  }
}

/** Copy an image between two transports. Destination commits only after every blob verified. */
export async function copyImage(src: ImageReference, dest: ImageReference, opts: CopyOptions = {}): Promise<CopyResult> {
  const source = await withRetry(() => src.newImageSource(opts.srcCtx ?? {}), { retryTimes: opts.retryTimes, delayMs: opts.retryDelayMs });
  try {
    const destination = await dest.newImageDestination(opts.destCtx ?? {});
    try {
      const result = await new Copier(src, dest, source, destination, opts).run();
      await destination.commit();
      return result;
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}

export { formatPlatform };
