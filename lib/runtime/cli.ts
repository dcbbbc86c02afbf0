// Every runtime CLI flag tspod uses, in one file (the idea of youki's liboci-cli). runc and crun
// share the OCI runtime command line; runc.ts and crun.ts hold what differs.
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { TspodError } from '../errors.ts';
import type { RuntimeState } from '../oci/runtime-spec.ts';
import type { ExecOptions, OciRuntime, RuntimeChoice } from './runtime.ts';

export interface RuntimeFlavour {
  name: string;
  /** Global arguments for this runtime given the state dir and rootless mode. */
  globalArgs(choice: RuntimeChoice): string[];
}

export interface RunResult { stdout: string; stderr: string }

export class RuntimeError extends TspodError {
  constructor(readonly runtime: string, readonly verb: string, readonly stderr: string) {
    super('OCI_RUNTIME', `${runtime} ${verb}: ${cleanRuntimeMessage(stderr)}`);
  }
}

/** runc logs as `time="..." level=error msg="..."`; keep only the message. */
export function cleanRuntimeMessage(text: string): string {
  const lines = text.trim().split('\n').map((l) => {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(l);
    return m ? m[1].replace(/\\"/g, '"') : l;
  });
  return lines.filter(Boolean).join('; ') || 'failed';
}

export class CliRuntime implements OciRuntime {
  readonly globalArgs: string[];
  constructor(readonly name: string, readonly path: string, flavour: RuntimeFlavour, choice: RuntimeChoice) {
    // --runtime-flag FLAG becomes --FLAG after tspod's own, as podman adds them (libpod/oci_conmon_linux.go)
    this.globalArgs = [...flavour.globalArgs(choice), ...(choice.flags ?? []).map((f) => `--${f}`)];
  }

  run(verb: string, args: string[]): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      execFile(this.path, [...this.globalArgs, verb, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new RuntimeError(this.name, verb, String(stderr || err.message)));
        else resolve({ stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  async create(id: string, bundle: string, pidFile: string): Promise<void> {
    await this.run('create', ['--bundle', bundle, '--pid-file', pidFile, id]);
  }
  async start(id: string): Promise<void> {
    await this.run('start', [id]);
  }
  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse((await this.run('state', [id])).stdout) as RuntimeState;
    } catch (err) {
      if (err instanceof RuntimeError && /does not exist|not found|no such/i.test(err.stderr)) return undefined;
      throw err;
    }
  }
  async kill(id: string, signal: string | number, all = false): Promise<void> {
    await this.run('kill', [...(all ? ['--all'] : []), id, String(signal)]);
  }
  async delete(id: string, force = false): Promise<void> {
    try {
      await this.run('delete', [...(force ? ['--force'] : []), id]);
    } catch (err) {
      if (err instanceof RuntimeError && /does not exist|not found|no such/i.test(err.stderr)) return;
      throw err;
    }
  }
  async exec(id: string, o: ExecOptions): Promise<void> {
    const args = ['--process', o.processPath, '--pid-file', o.pidFile];
    if (o.detach) args.push('--detach');
    if (o.consoleSocket) args.push('--tty', '--console-socket', o.consoleSocket);
    await this.run('exec', [...args, id]);
  }
  async pause(id: string): Promise<void> {
    await this.run('pause', [id]);
  }
  async resume(id: string): Promise<void> {
    await this.run('resume', [id]);
  }
}

export async function cliRuntime(path: string, choice: RuntimeChoice): Promise<OciRuntime> {
  const name = basename(path);
  const flavour = name.startsWith('crun') ? (await import('./crun.ts')).crunFlavour : (await import('./runc.ts')).runcFlavour;
  return new CliRuntime(name, path, flavour, choice);
}
