// Health checks as podman 4.3 keeps them: the check (--health-* flags, else the image's HEALTHCHECK)
// in the container's config, its results in the state (Status, FailingStreak, the last 5 runs).
// `tspod healthcheck run` runs it once inside the container. podman schedules runs with systemd
// timers; schedule.ts does the same where a systemd user/system manager runs.
import { TspodError } from '../errors.ts';
import { goDurationNs } from '../units/index.ts';
import type { HealthConfig as ImageHealthConfig } from '../oci/types.ts';

/** Docker's and podman's Config.Healthcheck: durations in nanoseconds, absent when zero. */
export interface HealthConfig {
  Test: string[];
  StartPeriod?: number;
  Interval?: number;
  Timeout?: number;
  Retries?: number;
}

export interface HealthLogEntry { Start: string; End: string; ExitCode: number; Output: string }

export interface HealthState {
  Status: '' | 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthLogEntry[] | null;
}

export const NO_HEALTH: HealthState = { Status: '', FailingStreak: 0, Log: null };
/** podman's MaxHealthCheckNumberLogs and MaxHealthCheckLogLength. */
const MAX_LOGS = 5, MAX_OUTPUT = 500;
export const ON_FAILURE = ['none', 'kill', 'restart', 'stop'];

/** A Go duration ("30s", "1m30s", "500ms", "-1s") in nanoseconds; what names the flag in podman's message. */
export function parseDuration(s: string, what: string): number {
  const negative = s.startsWith('-');
  const ns = goDurationNs(negative ? s.slice(1) : s);
  if (ns === undefined) throw new TspodError('USAGE', `invalid ${what}: time: invalid duration "${s}"`);
  return Math.round(negative ? -ns : ns);
}

export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: number;
  healthStartPeriod?: string;
  healthTimeout?: string;
  healthOnFailure?: string;
  noHealthcheck?: boolean;
}

/**
 * The check a new container gets: --health-cmd (a shell command, or a JSON array starting with CMD
 * or CMD-SHELL; "none" records Docker's NONE, no check), else the image's, with the other flags over
 * the image's values. None at all: undefined, whatever the other flags say (podman).
 */
export function healthConfigOf(f: HealthFlags, image: ImageHealthConfig | undefined): HealthConfig | undefined {
  if (f.healthOnFailure !== undefined && !ON_FAILURE.includes(f.healthOnFailure)) {
    throw new TspodError('USAGE', `invalid on-failure action "${f.healthOnFailure}" for health check: supported actions are ${ON_FAILURE.join(',')}`);
  }
  if (f.noHealthcheck) {
    if (f.healthCmd !== undefined) throw new TspodError('USAGE', 'cannot specify both --no-healthcheck and --health-cmd');
    return undefined;
  }
  const test = f.healthCmd !== undefined ? (f.healthCmd === 'none' ? ['NONE'] : commandOf(f.healthCmd)) : image?.Test;
  if (!test?.length || !test.some(Boolean)) return undefined;
  const c: HealthConfig = { Test: test };
  // podman's defaults: every 30s, 30s timeout, 3 retries; "disable" leaves the interval out
  const interval = f.healthInterval === 'disable' ? 0 : f.healthInterval !== undefined ? parseDuration(f.healthInterval, 'healthcheck-interval') : image?.Interval || 30e9;
  const timeout = f.healthTimeout !== undefined ? parseDuration(f.healthTimeout, 'healthcheck-timeout') : image?.Timeout || 30e9;
  const startPeriod = f.healthStartPeriod !== undefined ? parseDuration(f.healthStartPeriod, 'healthcheck-start-period') : image?.StartPeriod ?? 0;
  const retries = f.healthRetries ?? image?.Retries ?? 3;
  if (retries < 1) throw new TspodError('USAGE', 'healthcheck-retries must be greater than 0');
  if (timeout < 1e9) throw new TspodError('USAGE', 'healthcheck-timeout must be at least 1 second');
  if (startPeriod < 0) throw new TspodError('USAGE', 'healthcheck-start-period must be 0 seconds or greater');
  if (startPeriod) c.StartPeriod = startPeriod;
  if (interval) c.Interval = interval;
  c.Timeout = timeout;
  c.Retries = retries;
  return c;
}

/** Whether the container has a check to run (Docker's NONE is none). */
export function hasCheck(c: HealthConfig | undefined): c is HealthConfig {
  return !!c && c.Test.length > 0 && c.Test[0] !== 'NONE';
}

function commandOf(cmd: string): string[] {
  if (cmd.trimStart().startsWith('[')) {
    let a: unknown;
    try { a = JSON.parse(cmd); } catch { /* a shell command after all */ }
    if (Array.isArray(a) && a.every((x) => typeof x === 'string') && a.length) {
      if (a[0] === 'CMD' || a[0] === 'CMD-SHELL' || a[0] === 'NONE') return a;
      return ['CMD', ...a];
    }
  }
  return ['CMD-SHELL', cmd];
}

/** The process the check runs in the container. */
export function checkArgs(c: HealthConfig): string[] {
  return c.Test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', c.Test.slice(1).join(' ')] : c.Test.slice(1);
}

/**
 * The state after one run (podman's updateHealthCheckLog): a pass makes it healthy; a failure
 * outside the start period adds to the streak, and at Retries failures in a row it is unhealthy.
 */
export function recordRun(prev: HealthState | undefined, entry: HealthLogEntry, retries: number, inStartPeriod: boolean): HealthState {
  const h: HealthState = { Status: prev?.Status || 'starting', FailingStreak: prev?.FailingStreak ?? 0, Log: [...(prev?.Log ?? [])] };
  if (entry.ExitCode === 0) {
    h.Status = 'healthy';
    h.FailingStreak = 0;
  } else if (!inStartPeriod) {
    h.FailingStreak++;
    if (h.FailingStreak >= retries) h.Status = 'unhealthy';
  }
  h.Log!.push({ ...entry, Output: entry.Output.slice(0, MAX_OUTPUT) });
  if (h.Log!.length > MAX_LOGS) h.Log = h.Log!.slice(-MAX_LOGS);
  return h;
}

/**
 * podman's transient systemd timer that runs `healthcheck run` every Interval; where no systemd
 * manager runs (this machine), podman's own error lines instead, and no runs but those asked for.
 */
export async function scheduleChecks(id: string, interval: number, selfCommand: string[], rootless: boolean): Promise<void> {
  const bus = systemdBus(rootless);
  if (!bus.ok) {
    for (const what of ['add', 'start']) process.stderr.write(`ERRO[0000] unable to get systemd connection to ${what} healthchecks: ${bus.why}\n`);
    return;
  }
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('systemd-run', [...(rootless ? ['--user'] : []), '--unit', id, `--on-unit-inactive=${interval / 1e9}s`,
    '--timer-property=AccuracySec=1s', ...selfCommand, 'healthcheck', 'run', id], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`ERRO[0000] creating healthcheck timer: ${(r.stderr || r.error?.message || '').trim()}\n`);
}

export async function unscheduleChecks(id: string, rootless: boolean): Promise<void> {
  const bus = systemdBus(rootless);
  if (!bus.ok) {
    process.stderr.write(`ERRO[0000] Removing timer for container ${id} healthcheck: unable to get systemd connection to remove healthchecks: ${bus.why}\n`);
    return;
  }
  const { spawnSync } = await import('node:child_process');
  spawnSync('systemctl', [...(rootless ? ['--user'] : []), 'stop', `${id}.timer`, `${id}.service`], { stdio: 'ignore' });
}

function systemdBus(rootless: boolean): { ok: true } | { ok: false; why: string } {
  const { existsSync } = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const sock = rootless ? `${process.env.XDG_RUNTIME_DIR ?? `/run/user/${process.getuid?.()}`}/systemd/private` : '/run/systemd/private';
  return existsSync(sock) ? { ok: true } : { ok: false, why: `dial unix ${sock}: connect: no such file or directory` };
}
