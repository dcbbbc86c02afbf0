// Cache keys for configuration loaders: the files plus their size and mtime, so a file rewritten
// during a process (tests, a long-running caller) is read again.
import { statSync } from 'node:fs';

export function filesKey(files: (string | undefined)[]): string {
  return files
    .map((f) => {
      if (!f) return '';
      try {
        const st = statSync(f);
        return `${f}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${f}:-`;
      }
    })
    .join('\0');
}
