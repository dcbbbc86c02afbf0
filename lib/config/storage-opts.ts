// --storage-opt KEY=VALUE (podman's global option): the overlay driver's options. Any --storage-opt
// given replaces storage.conf's options as a whole (podman's rule); `--storage-opt ""` means none.
// Keys and values are checked as containers/storage's overlay driver checks them (parseOptions in
// drivers/overlay/overlay.go), with its error texts; tspod applies mount_program and mountopt, the
// options its storage.conf handling knows (lib/config/storage.ts), and accepts the others.
import { statSync } from 'node:fs';
import { TspodError } from '../errors.ts';

export interface OverlayOptions {
  mountProgram?: string;
  mountOpt?: string;
}

const BOOL_KEYS = new Set(['override_kernel_check', 'skip_mount_home', 'ignore_chown_errors', 'use_composefs']);
const OTHER_KEYS = new Set(['size', 'imagestore', 'additionalimagestore', 'force_mask', 'inodes']);

/** strconv.ParseBool */
function goBool(v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new TspodError('STORAGE_OPT', `strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export function parseStorageOpts(opts: string[]): OverlayOptions {
  const out: OverlayOptions = {};
  for (const opt of opts) {
    if (opt === '') continue;
    const eq = opt.indexOf('=');
    if (eq < 0) throw new TspodError('STORAGE_OPT', `unable to parse key/value option: ${opt}`);
    const key = opt.slice(0, eq).trim().toLowerCase();
    const val = opt.slice(eq + 1).trim();
    const k = key.replace(/^overlay\./, '').replace(/^overlay2\./, '').replace(/^\./, '');
    if (k === 'mount_program') {
      try {
        statSync(val);
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
        throw new TspodError('STORAGE_OPT', `overlay: can't stat program "${val}": stat ${val}: ${why}`);
      }
      out.mountProgram = val;
    } else if (k === 'mountopt') out.mountOpt = val;
    else if (BOOL_KEYS.has(k)) goBool(val);
    else if (!OTHER_KEYS.has(k)) throw new TspodError('STORAGE_OPT', `overlay: Unknown option ${key}`);
  }
  return out;
}
