// Child process for index.test.ts: takes the lock, appends "<tag> in" / "<tag> out" to a log around a pause.
import { appendFileSync } from 'node:fs';
import { withLock } from '../../../lib/lock/index.ts';

const [lockPath, logPath, tag, mode, holdMs] = process.argv.slice(2);
await withLock(lockPath, async () => {
  appendFileSync(logPath, `${tag} in\n`);
  if (mode === 'hang') {
    appendFileSync(logPath, `${tag} holding\n`);
    await new Promise(() => setInterval(() => {}, 1000));
  }
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  appendFileSync(logPath, `${tag} out\n`);
}, { shared: mode === 'shared' });
