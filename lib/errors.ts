// One error type for the whole tool. Library code throws TspodError; only cmd/main.ts prints it and exits.
// Exit statuses follow podman (libpod/define/exec_codes.go): 125 tool error, 126 cannot invoke, 127 not found.

export const EXIT_TOOL = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

export interface TspodErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

export class TspodError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;
  constructor(code: string, message: string, opts: TspodErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TspodError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT_TOOL;
  }
}

/** Error for a missing image/container/volume etc. */
export class NotFoundError extends TspodError {
  constructor(what: string, message: string, opts: TspodErrorOptions = {}) {
    super(`NO_SUCH_${what.toUpperCase()}`, message, opts);
  }
}

/** Wrap an unknown thrown value with context ("pulling x: ..."), keeping TspodError codes. */
export function wrapError(context: string, err: unknown): TspodError {
  if (err instanceof TspodError) {
    const e = new TspodError(err.code, `${context}: ${err.message}`, { hint: err.hint, cause: err, exitCode: err.exitCode });
    return e;
  }
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new TspodError('DISK_FULL', `${context}: no space left on device`, { cause: err });
  return new TspodError('INTERNAL', `${context}: ${msg}`, { cause: err });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
