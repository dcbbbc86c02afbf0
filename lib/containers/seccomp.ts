// podman's default seccomp profile: containers/common's seccomp.json (Docker's format, with
// includes/excludes by arch and capability) turned into the runtime-spec form for this architecture
// and capability set, as containers/common's seccomp.go does.
import { readFileSync } from 'node:fs';

interface ProfileSyscall {
  names?: string[];
  name?: string;
  action: string;
  args?: unknown[] | null;
  errnoRet?: number;
  includes?: { arches?: string[]; caps?: string[]; minKernel?: string };
  excludes?: { arches?: string[]; caps?: string[] };
}

interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls: ProfileSyscall[];
}

const PROFILES = ['/etc/containers/seccomp.json', '/usr/share/containers/seccomp.json'];

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const SCMP_ARCH: Record<string, string> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM', '386': 'SCMP_ARCH_X86', ppc64le: 'SCMP_ARCH_PPC64LE', s390x: 'SCMP_ARCH_S390X', riscv64: 'SCMP_ARCH_RISCV64' };

function kernelAtLeast(min: string): boolean {
  const cur = (readFileSync('/proc/sys/kernel/osrelease', 'utf8').match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  const want = min.split('.').map(Number);
  return cur[0] > want[0] || (cur[0] === want[0] && cur[1] >= (want[1] ?? 0));
}

/** The runtime-spec linux.seccomp for caps, or undefined when no profile is installed. */
export function defaultSeccomp(caps: string[], path?: string): unknown {
  let profile: Profile | undefined;
  for (const p of path ? [path] : PROFILES) {
    try { profile = JSON.parse(readFileSync(p, 'utf8')); break; } catch { /* next */ }
  }
  if (!profile) return undefined;
  const arch = GOARCH[process.arch] ?? process.arch;
  const native = SCMP_ARCH[arch];
  const entry = profile.archMap?.find((a) => a.architecture === native);
  const architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : native ? [native] : [];
  const syscalls = [];
  for (const s of profile.syscalls) {
    const inc = s.includes ?? {}, exc = s.excludes ?? {};
    if (inc.arches?.length && !inc.arches.includes(arch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => caps.includes(c))) continue;
    if (inc.minKernel && !kernelAtLeast(inc.minKernel)) continue;
    if (exc.arches?.includes(arch)) continue;
    if (exc.caps?.some((c) => caps.includes(c))) continue;
    syscalls.push({
      names: s.names ?? (s.name ? [s.name] : []), action: s.action,
      ...(s.args?.length ? { args: s.args } : {}),
      ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures, syscalls,
  };
}
