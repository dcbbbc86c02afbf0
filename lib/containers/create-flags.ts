// run/create flags with podman 4.3's own parsing rules: --label-file, --expose, --platform, --env-host,
// --cidfile. Messages are podman's (specgenutil, go-connections nat, containers/image platform).
import { readFileSync, writeFileSync } from 'node:fs';
import { TspodError } from '../errors.ts';

/** --label-file: KEY=VALUE lines (left-trimmed, value kept as is); # comments, blank and bare KEY lines skipped. */
export function readLabelFiles(files: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try { text = readFileSync(f, 'utf8'); } catch {
      throw new TspodError('LABEL_FILE', `unable to process labels: open ${f}: no such file or directory`);
    }
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\r$/, '').trimStart();
      if (!line || line.startsWith('#')) continue;
      const i = line.indexOf('=');
      const key = i < 0 ? line : line.slice(0, i);
      if (key === '') throw new TspodError('LABEL_FILE', `unable to process labels: invalid environment variable: ${JSON.stringify(line)}`);
      if (/\s/.test(key)) throw new TspodError('LABEL_FILE', `unable to process labels: name ${JSON.stringify(key)} has white spaces, poorly formatted name`);
      if (i >= 0) out[key] = line.slice(i + 1);
    }
  }
  return out;
}

/** Go's strconv.ParseUint(s, 10, 16) error text, or the number. */
function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * --expose PORT[-END][/PROTO] (the flag is a string slice: commas split it) -> ["80/tcp", ...], in podman's
 * three passes: nat.ParsePortRange, specgenutil's range check, then the protocol check.
 */
export function parseExpose(flags: string[] = []): string[] {
  const items = flags.flatMap((f) => f.split(','));
  const parsed: { start: number; end: number; proto: string; e: string }[] = [];
  for (const e of items) {
    const sp = e.split('/');
    if (sp.length > 2) throw new TspodError('INVALID_EXPOSE', 'invalid expose format - protocol can only be specified once');
    try {
      if (sp[0] === '') throw new Error('Empty string specified for ports.');
      if (!sp[0].includes('-')) parseUint16(sp[0]);
      else {
        const [a, b] = sp[0].split('-');
        if (parseUint16(b) < parseUint16(a)) throw new Error(`Invalid range specified for the Port: ${sp[0]}`);
      }
    } catch (err) {
      throw new TspodError('INVALID_EXPOSE', `invalid range format for --expose: ${e}: ${(err as Error).message}`);
    }
  }
  for (const e of items) {
    const sp = e.split('/');
    const r = sp[0].split('-');
    if (r.length > 2) throw new TspodError('INVALID_EXPOSE', 'invalid port format - port ranges are formatted as startPort-stopPort');
    const port = (s: string) => {
      const n = Number(s);
      if (n < 1 || n > 65535) throw new TspodError('INVALID_EXPOSE', `port numbers must be between 1 and 65535 (inclusive), got ${n}`);
      return n;
    };
    const start = port(r[0]);
    const end = r.length === 2 ? port(r[1]) : start;
    if (r.length === 2 && end <= start) throw new TspodError('INVALID_EXPOSE', `the end port of a range must be higher than the start port - ${end} is not higher than ${start}`);
    parsed.push({ start, end, proto: sp[1] ?? 'tcp', e });
  }
  const out = new Set<string>();
  for (const p of parsed) {
    const protos = new Set<string>();
    for (const raw of p.proto.split(',')) {
      const x = raw.toLowerCase();
      if (x === '' || x === 'tcp') protos.add('tcp');
      else if (x === 'udp') protos.add('udp');
      else if (x === 'sctp') throw new TspodError('INVALID_EXPOSE', `validating protocols for exposed port ${p.start}: protocol SCTP is not allowed for exposed ports`);
      else throw new TspodError('INVALID_EXPOSE', `validating protocols for exposed port ${p.start}: unrecognized protocol ${JSON.stringify(x)} in port mapping`);
    }
    for (let n = p.start; n <= p.end; n++) for (const x of protos) out.add(`${n}/${x}`);
  }
  return [...out];
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/**
 * --platform OS[/ARCH[/VARIANT]]; an empty OS or ARCH is the host's. podman cuts at the first "/" and has
 * containerd's parser check "OS/ARCH" (the host's ARCH when none): its messages quote that string.
 */
export function parsePlatform(spec: string, image: string): { os: string; arch: string; variant?: string } {
  const host = GOARCH[process.arch] ?? process.arch;
  const cut = spec.indexOf('/');
  const os = (cut < 0 ? spec : spec.slice(0, cut)) || 'linux';
  const archPart = cut < 0 ? '' : spec.slice(cut + 1);
  const shown = `${os}/${archPart || host}`;
  const fail = (why: string) => new TspodError('INVALID_PLATFORM', `checking platform of image ${image}: parsing host platform: ${why}: invalid argument`);
  const parts = shown.split('/');
  if (parts.length > 3) throw fail(`${JSON.stringify(shown)}: cannot parse platform specifier`);
  const [a, v] = (archPart || host).split('/');
  for (const c of parts) {
    if (!/^[A-Za-z0-9_-]+$/.test(c)) {
      throw fail(`${JSON.stringify(c)} is an invalid component of ${JSON.stringify(shown)}: platform specifier component must match "^[A-Za-z0-9_-]+$"`);
    }
  }
  const arch = ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[a] ?? a;
  return { os, arch, variant: v || undefined };
}

/** Whether an image config is for the platform asked for (arm64's v8 is its default variant, as containerd's). */
export function platformMatches(want: { os: string; arch: string; variant?: string }, img: { os?: string; architecture?: string; variant?: string }): boolean {
  if ((img.os || 'linux') !== want.os || (img.architecture || '') !== want.arch) return false;
  const norm = (v?: string) => (want.arch === 'arm64' && v === 'v8' ? '' : v ?? '');
  return norm(want.variant) === norm(img.variant);
}

/** libimage's warning for a pulled image of another platform (Go's %v of an OCI Platform): a log line with --quiet. */
export function platformWarning(want: { os: string; arch: string; variant?: string }, img: { os?: string; architecture?: string; variant?: string; 'os.version'?: string }, quiet = false): string {
  const v = (arch: string, os: string, osVersion: string, variant: string) => `{${arch} ${os} ${osVersion} [] ${variant}}`;
  const msg = `image platform (${v(img.architecture ?? '', img.os ?? '', img['os.version'] ?? '', img.variant ?? '')}) does not match the expected platform (${v(want.arch, want.os, '', want.variant ?? '')})`;
  return quiet ? `WARN[0000] ${msg}\n` : `WARNING: ${msg}\n`;
}

/** --env-host: the caller's environment as podman sees its own (it sets TMPDIR=/var/tmp when unset); tspod's launcher variables left out. */
export function hostEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = Object.entries(env).filter(([k, v]) => v !== undefined && !k.startsWith('_TSPOD_')).map(([k, v]) => `${k}=${v}`);
  if (env.TMPDIR === undefined) out.push('TMPDIR=/var/tmp');
  return out;
}

/** --cidfile: the full ID, no newline, in a file that must not exist yet (podman's util.CreateCidFile). */
export function writeCidFile(path: string, id: string): void {
  try {
    writeFileSync(path, id, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TspodError('CIDFILE_EXISTS', `container id file exists. Ensure another container is not using it or delete ${path}`);
    }
    throw new TspodError('CIDFILE', `opening cidfile ${path}`);
  }
}
