import type { Descriptor, Platform } from './types.ts';

/** Node's arch names to OCI's (GOARCH) names. */
export function goArch(nodeArch: string = process.arch): string {
  switch (nodeArch) {
    case 'x64': return 'amd64';
    case 'ia32': return '386';
    case 'arm': return 'arm';
    case 'arm64': return 'arm64';
    case 'ppc64': return 'ppc64le';
    case 's390x': return 's390x';
    case 'riscv64': return 'riscv64';
    default: return nodeArch;
  }
}

export function hostPlatform(): Platform {
  const p: Platform = { os: 'linux', architecture: goArch() };
  if (p.architecture === 'arm64') p.variant = 'v8';
  return p;
}

/** Parse "linux/arm64/v8" (podman --platform syntax). */
export function parsePlatform(s: string): Partial<Platform> {
  const [os, architecture, variant] = s.split('/');
  const p: Partial<Platform> = {};
  if (os) p.os = os;
  if (architecture) p.architecture = architecture;
  if (variant) p.variant = variant;
  return p;
}

export function formatPlatform(p: Partial<Platform>): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Pick the manifest of an index for a wanted platform, as containers/image does (variant optional). */
export function selectPlatform(manifests: Descriptor[], want: Partial<Platform>): Descriptor | undefined {
  const target = { ...hostPlatform(), ...want };
  const candidates = manifests.filter(
    (d) => d.platform && d.platform.os === target.os && d.platform.architecture === target.architecture,
  );
  if (want.variant) return candidates.find((d) => (d.platform?.variant ?? defaultVariant(target.architecture)) === want.variant);
  return candidates.find((d) => !d.platform?.variant || d.platform.variant === target.variant) ?? candidates[0];
}

function defaultVariant(arch: string): string | undefined {
  return arch === 'arm64' ? 'v8' : undefined;
}
