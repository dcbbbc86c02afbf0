// TOML of the containers config files. Comment lines are blanked before parsing: the stock
// containers.conf is 24 KB of comments around a handful of settings, and smol-toml, cold, spends
// ~2.5 ms on it (0.1 ms without them). Blanked, not removed, so that an error's line number still
// points into the file; left as they are where a multi-line string could hold a line starting with #.
import { parse } from 'smol-toml';

export function parseConfigToml(text: string): Record<string, unknown> {
  const multiline = text.includes('"""') || text.includes("'''");
  return parse(multiline ? text : text.replace(/^[ \t]*#.*$/gm, '')) as Record<string, unknown>;
}
