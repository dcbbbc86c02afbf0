// The runtime used when neither crun nor runc is installed (podman libpod/oci_missing.go): every call
// fails with the same clear error, so commands that only read state (ps, inspect) still work.
import { TspodError } from '../errors.ts';
import type { OciRuntime } from './runtime.ts';

export function missingRuntime(name: string, requested = false): OciRuntime {
  const fail = async (): Promise<never> => {
    // podman's words for an explicit --runtime that is not there
    if (requested) throw new TspodError('NO_RUNTIME', `no valid executable found for OCI runtime ${name}: invalid argument`);
    throw new TspodError('NO_RUNTIME', `OCI runtime ${name} not found: install crun or runc, or pass --runtime PATH`);
  };
  return {
    name, path: '', globalArgs: [],
    create: fail, start: fail, state: fail, kill: fail, delete: fail, exec: fail, pause: fail, resume: fail,
  };
}
