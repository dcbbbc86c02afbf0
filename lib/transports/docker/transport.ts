// docker://NAME[:TAG|@DIGEST] — an image in a registry, over lib/registry/client.ts.
import { TspodError } from '../../errors.ts';
import { parseNamed, withDefaultTag, type NamedReference } from '../../reference/parse.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';

export class DockerReference implements ImageReference {
  readonly transport = dockerTransport;
  constructor(readonly named: NamedReference) {}
  stringWithinTransport(): string {
    return `//${this.named.toString()}`;
  }
  dockerReference(): string {
    return this.named.toString();
  }
  /** "host/repo" */
  get repoName(): string {
    return this.named.name;
  }
  /** The tag or digest to fetch. */
  get ref(): string {
    return this.named.digest ?? this.named.tag ?? 'latest';
  }
  policyConfigurationIdentity(): string {
    // containers/image: the name with tag or digest (tag dropped when both given)
    const n = this.named;
    return n.digest ? `${n.name}@${n.digest}` : `${n.name}:${n.tag ?? 'latest'}`;
  }
  policyConfigurationNamespaces(): string[] {
    const out: string[] = [];
    let name = this.named.name;
    out.push(name);
    for (;;) {
      const i = name.lastIndexOf('/');
      if (i < 0) break;
      name = name.slice(0, i);
      out.push(name);
    }
    // wildcard host namespaces: *.example.com for a.example.com
    const host = this.named.registry.replace(/:\d+$/, '');
    const parts = host.split('.');
    for (let i = 1; i < parts.length; i++) out.push('*.' + parts.slice(i).join('.'));
    return out;
  }
  async newImageSource(ctx: SystemContext): Promise<ImageSource> {
    const { DockerImageSource } = await import('./source.ts');
    return DockerImageSource.open(this, ctx);
  }
  async newImageDestination(ctx: SystemContext): Promise<ImageDestination> {
    const { DockerImageDestination } = await import('./destination.ts');
    return DockerImageDestination.open(this, ctx);
  }
  async deleteImage(ctx: SystemContext): Promise<void> {
    const { deleteDockerImage } = await import('./source.ts');
    await deleteDockerImage(this, ctx);
  }
}

export function parseDockerReference(reference: string): DockerReference {
  if (!reference.startsWith('//')) {
    throw new TspodError('INVALID_REFERENCE', `docker: image reference ${reference} does not start with //`);
  }
  const named = parseNamed(reference.slice(2));
  // containers/image: a reference with both tag and digest keeps only the digest
  return new DockerReference(named.digest || named.tag ? named : withDefaultTag(named));
}

export const dockerTransport: ImageTransport = {
  name: 'docker',
  parseReference: parseDockerReference,
  validatePolicyScope(scope: string): void {
    if (scope.includes('@')) throw new TspodError('INVALID_POLICY', `invalid scope "${scope}": digests are not allowed`);
  },
};
