// Multi-target verbs (stop a b c): act on each, print what podman prints, report every failure.
import type { Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';

export async function eachTarget(refs: string[], io: Io, fn: (ref: string) => Promise<string | undefined>): Promise<number> {
  let code = 0;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      if (out !== undefined) io.stdout.write(`${out}\n`);
    } catch (err) {
      const e = err instanceof TspodError ? err : undefined;
      io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
      code = e?.exitCode ?? 125;
    }
  }
  return code;
}

/** --all / --latest / explicit names. */
export async function selectTargets(engine: ContainerEngine, o: { all?: boolean; latest?: boolean; names?: string[] }, pred?: (status: string) => boolean): Promise<string[]> {
  if (o.all || o.latest) {
    let list = await engine.list();
    list.sort((a, b) => Date.parse(b.config.created) - Date.parse(a.config.created));
    if (pred) list = list.filter((c) => pred(c.state.status));
    if (o.latest) list = list.slice(0, 1);
    return list.map((c) => c.config.id);
  }
  if (!o.names?.length) throw new TspodError('USAGE', 'you must provide at least one name or id');
  return o.names;
}
