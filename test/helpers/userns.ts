// For test files that need the rootless user+mount namespaces (mknod of whiteouts, overlay mounts,
// chown to subordinate ids): in a rootless run (TSPOD_TEST_ROOTLESS=1) the file re-runs itself
// through `bin/tspod __ns-exec`, so the whole file executes as uid 0 inside the namespaces.
//   import { reexecInUserNamespace } from '../../helpers/userns.ts';
//   reexecInUserNamespace(import.meta.url);   // first statement of the test file
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launcherPath, needsLauncher } from '../../lib/native/launcher.ts';

export function reexecInUserNamespace(fileUrl: string): void {
  if (!needsLauncher()) return;
  const file = fileURLToPath(fileUrl);
  const r = spawnSync(launcherPath(), ['__ns-exec', process.execPath, ...process.execArgv, file], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
