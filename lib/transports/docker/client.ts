// The registry client of lib/registry (helper 3), opened for a reference, plus the registries.conf
// rewrite (location, insecure, mirrors) from lib/config/registries.ts.
import type { Readable } from 'node:stream';
import { pullSources, registryFor } from '../../config/registries.ts';
import { parseNamed } from '../../reference/parse.ts';
import type { SystemContext } from '../types.ts';

/** The calls the docker transport makes (the agreed RegistryClient contract). */
export interface RegistryClientLike {
  getManifest(repo: string, ref: string, accept: string[]): Promise<{ bytes: Buffer; mediaType: string; digest: string }>;
  headManifest(repo: string, ref: string, accept?: string[]): Promise<{ digest: string; mediaType?: string; size?: number } | undefined>;
  putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<unknown>;
  deleteManifest(repo: string, digest: string): Promise<unknown>;
  blobExists(repo: string, digest: string): Promise<number | undefined>;
  getBlob(repo: string, digest: string, offset?: number): Promise<{ stream: Readable; size: number }>;
  uploadBlob(repo: string, digest: string, size: number, stream: Readable): Promise<unknown>;
  mountBlob(repo: string, digest: string, fromRepo: string): Promise<boolean>;
  listTags(repo: string): Promise<string[]>;
  /** Close idle connections. */
  close(): Promise<void>;
}

export interface Endpoint {
  /** registry host[:port] */
  host: string;
  /** repository path within the registry */
  repo: string;
  insecure: boolean;
  mirror: boolean;
  /** the rewritten full reference */
  reference: string;
}

function endpoint(reference: string, insecure: boolean, mirror: boolean, ctx: SystemContext): Endpoint {
  const n = parseNamed(reference);
  return { host: n.registry, repo: n.repository, insecure: insecure || ctx.tlsVerify === false, mirror, reference };
}

/** Where to pull `fullRef` from, in order (mirrors first, then the primary location). */
export function pullEndpoints(fullRef: string, ctx: SystemContext): Endpoint[] {
  return pullSources(fullRef, ctx).map((s) => endpoint(s.reference, s.insecure, s.mirror, ctx));
}

/** Where to push `fullRef` (the primary location, never a mirror). */
export function pushEndpoint(fullRef: string, ctx: SystemContext): Endpoint {
  const r = registryFor(fullRef, ctx);
  return endpoint(r.location, r.insecure, false, ctx);
}

export async function openClient(ep: Endpoint, ctx: SystemContext): Promise<RegistryClientLike> {
  const { RegistryClient } = await import('../../registry/client.ts');
  return new RegistryClient({ registry: ep.host, insecure: ep.insecure, ctx });
}
