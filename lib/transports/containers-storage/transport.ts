// containers-storage:[driver@graphroot+runroot]NAME|ID — the local image store (lib/storage), with the
// reference syntax of containers/image storage/storage_reference.go:
//   busybox, docker.io/library/busybox:latest, busybox@sha256:<manifest digest>,
//   <64-hex image ID>, @<ID>, NAME@<ID>, each optionally prefixed by "[overlay@/graph/root+/run/root]".
import { TspodError } from '../../errors.ts';
import { parseNamed, withDefaultTag } from '../../reference/parse.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';

export interface StoreSpec {
  driver?: string;
  graphRoot?: string;
  runRoot?: string;
}

export class StorageReference implements ImageReference {
  readonly transport = containersStorageTransport;
  constructor(
    readonly spec: StoreSpec,
    /** Full name with tag and/or digest ("docker.io/library/busybox:latest"), if any. */
    readonly named: string | undefined,
    /** Image ID (64 hex), if given. */
    readonly id: string | undefined,
  ) {}

  stringWithinTransport(): string {
    const s = this.spec;
    let prefix = '';
    if (s.graphRoot || s.driver) prefix = `[${s.driver ? s.driver + '@' : ''}${s.graphRoot ?? ''}${s.runRoot ? '+' + s.runRoot : ''}]`;
    if (this.named && this.id) return `${prefix}${this.named}@${this.id}`;
    return prefix + (this.named ?? this.id ?? '');
  }

  dockerReference(): string | undefined {
    return this.named;
  }

  policyConfigurationIdentity(): string {
    const root = `[${this.spec.driver ?? 'overlay'}@${this.spec.graphRoot ?? ''}]`;
    return root + (this.named ?? this.id ?? '');
  }

  policyConfigurationNamespaces(): string[] {
    const root = `[${this.spec.driver ?? 'overlay'}@${this.spec.graphRoot ?? ''}]`;
    const out: string[] = [];
    if (this.named) {
      let name = this.named.replace(/@.*$/, '');
      const colon = name.lastIndexOf(':');
      if (colon > name.lastIndexOf('/')) {
        name = name.slice(0, colon);
        out.push(root + name);
      }
      for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/')) {
        name = name.slice(0, i);
        out.push(root + name);
      }
    }
    out.push(root);
    if (this.spec.graphRoot) out.push(this.spec.graphRoot);
    return out;
  }

  async openStore(ctx: SystemContext) {
    const { openStore } = await import('../../storage/index.ts');
    const { storagePaths } = await import('../../config/paths.ts');
    const p = storagePaths({ root: this.spec.graphRoot ?? ctx.storeRoot, runroot: this.spec.runRoot ?? ctx.storeRunRoot });
    return openStore({ graphRoot: p.graphRoot, runRoot: p.runRoot });
  }

  async newImageSource(ctx: SystemContext): Promise<ImageSource> {
    const { StorageImageSource } = await import('./source.ts');
    return StorageImageSource.open(this, await this.openStore(ctx));
  }

  async newImageDestination(ctx: SystemContext): Promise<ImageDestination> {
    const { StorageImageDestination } = await import('./destination.ts');
    return StorageImageDestination.open(this, await this.openStore(ctx));
  }

  async deleteImage(ctx: SystemContext): Promise<void> {
    const store = await this.openStore(ctx);
    const rec = await store.lookupImage(this.id ?? this.named ?? '');
    await store.removeImage(rec.id);
  }
}

function invalid(ref: string, why: string): never {
  throw new TspodError('INVALID_REFERENCE', `invalid containers-storage reference "${ref}": ${why}`);
}

export function parseStorageReference(reference: string): StorageReference {
  let rest = reference;
  const spec: StoreSpec = {};
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) invalid(reference, 'missing "]"');
    let inside = rest.slice(1, close);
    rest = rest.slice(close + 1);
    // options after ':' (driver options) are accepted and ignored
    const colon = inside.indexOf(':');
    if (colon >= 0) inside = inside.slice(0, colon);
    const at = inside.indexOf('@');
    if (at >= 0) {
      spec.driver = inside.slice(0, at);
      inside = inside.slice(at + 1);
    }
    const plus = inside.indexOf('+');
    const graph = plus >= 0 ? inside.slice(0, plus) : inside;
    const run = plus >= 0 ? inside.slice(plus + 1) : '';
    if (graph) {
      if (!graph.startsWith('/')) invalid(reference, 'the graph root must be an absolute path');
      spec.graphRoot = graph;
    }
    if (run) {
      if (!run.startsWith('/')) invalid(reference, 'the run root must be an absolute path');
      spec.runRoot = run;
    }
  }
  if (rest === '') invalid(reference, 'no image name or ID');
  let id: string | undefined;
  let name = rest;
  const m = /^(.*?)@([a-f0-9]{64})$/.exec(rest);
  if (m) {
    id = m[2];
    name = m[1];
  } else if (/^[a-f0-9]{64}$/.test(rest)) {
    id = rest;
    name = '';
  }
  let named: string | undefined;
  if (name) {
    named = normalizeName(name, reference);
  }
  return new StorageReference(spec, named, id);
}

function normalizeName(name: string, reference: string): string {
  try {
    return withDefaultTag(parseNamed(name)).toString();
  } catch (err) {
    invalid(reference, (err as Error).message);
  }
}

export const containersStorageTransport: ImageTransport = {
  name: 'containers-storage',
  parseReference: parseStorageReference,
  validatePolicyScope(scope: string): void {
    if (!scope.startsWith('[') && !scope.startsWith('/')) {
      throw new TspodError('INVALID_POLICY', `invalid scope "${scope}": must start with "[" or "/"`);
    }
  },
};
