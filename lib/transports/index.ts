// The transport registry, after containers/image transports/alltransports. Transport modules are
// loaded lazily (each transport.ts is small; sources and destinations load their heavy parts later).
// parseImageName is async for that reason: `await parseImageName('oci:/tmp/x:latest')`.
import { TspodError } from '../errors.ts';
import type { ImageReference, ImageTransport } from './types.ts';

type Loader = () => Promise<ImageTransport>;

// A literal import() per transport so the bundler includes them as separate chunks.
const LOADERS: Record<string, Loader> = {
  docker: async () => (await import('./docker/transport.ts')).dockerTransport,
  oci: async () => (await import('./oci-layout/transport.ts')).ociLayoutTransport,
  'oci-archive': async () => (await import('./oci-archive/transport.ts')).ociArchiveTransport,
  dir: async () => (await import('./dir/transport.ts')).dirTransport,
  'docker-archive': async () => (await import('./docker-archive/transport.ts')).dockerArchiveTransport,
  'containers-storage': async () => (await import('./containers-storage/transport.ts')).containersStorageTransport,
};

// Transports containers/image knows that tspod refuses, with the reason: a specific error, not "unknown".
const REFUSED: Record<string, string> = {
  'docker-daemon': 'tspod is daemonless and does not talk to a docker daemon; use "docker save" with docker-archive: instead',
  ostree: 'the ostree transport is not supported by tspod',
  sif: 'the sif (Singularity) transport is not supported by tspod',
  tarball: 'the tarball transport is not supported by tspod; use docker-archive: or oci-archive:',
  atomic: 'the atomic transport is obsolete and not supported by tspod',
};

export function listTransportNames(): string[] {
  return Object.keys(LOADERS);
}

/** The transport named `name`, or undefined when there is none (refused names throw). */
export async function getTransport(name: string): Promise<ImageTransport | undefined> {
  if (REFUSED[name]) throw new TspodError('UNSUPPORTED_TRANSPORT', REFUSED[name]);
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  return load ? load() : undefined;
}

/** Parse "transport:reference" (alltransports.ParseImageName). */
export async function parseImageName(imgName: string): Promise<ImageReference> {
  const i = imgName.indexOf(':');
  if (i < 0) {
    throw new TspodError('INVALID_IMAGE_NAME', `Invalid image name "${imgName}", expected colon-separated transport:reference`);
  }
  const name = imgName.slice(0, i);
  if (REFUSED[name]) throw new TspodError('UNSUPPORTED_TRANSPORT', `Invalid image name "${imgName}": ${REFUSED[name]}`);
  const transport = await getTransport(name);
  if (!transport) throw new TspodError('INVALID_IMAGE_NAME', `Invalid image name "${imgName}", unknown transport "${name}"`);
  return transport.parseReference(imgName.slice(i + 1));
}

/** "transport:reference" of a reference (transports.ImageName). */
export function imageName(ref: ImageReference): string {
  return `${ref.transport.name}:${ref.stringWithinTransport()}`;
}
