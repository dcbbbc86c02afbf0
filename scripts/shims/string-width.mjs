// Bundled in place of the npm package string-width (scripts/build.mjs `alias`). yargs, cliui and
// wrap-ansi import it only to lay out help text, but the package builds its Intl.Segmenter and a
// \p{RGI_Emoji} regexp when the module is evaluated: about 25 ms of CPU on every tspod start
// (bench/cli-start). This version creates them on the first non-ASCII string instead.
import stripAnsi from 'strip-ansi';
import { eastAsianWidth } from 'get-east-asian-width';

let lazy;
function tables() {
  lazy ??= {
    segmenter: new Intl.Segmenter(),
    invisible: /^[\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Mark}\p{Surrogate}]+$/u,
    emoji: new RegExp('^\\p{RGI_Emoji}$', 'v'),
    pictographic: /\p{Extended_Pictographic}/gu,
  };
  return lazy;
}

/** Terminal columns taken by `input` (ANSI escapes excluded unless countAnsiEscapeCodes). */
export default function stringWidth(input, options = {}) {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const { ambiguousIsNarrow = true, countAnsiEscapeCodes = false } = options;
  let s = input;
  if (!countAnsiEscapeCodes && (s.includes('\u001B') || s.includes('\u009B'))) s = stripAnsi(s);
  if (/^[\u0020-\u007E]*$/.test(s)) return s.length;
  const t = tables();
  const eaw = { ambiguousAsWide: !ambiguousIsNarrow };
  let width = 0;
  for (const { segment } of t.segmenter.segment(s)) {
    if (t.invisible.test(segment)) continue;
    const zwjPictographs = segment.includes('\u200D') ? (segment.match(t.pictographic)?.length ?? 0) : 0;
    if (t.emoji.test(segment) || zwjPictographs >= 2 || /^[\d#*]\uFE0F?\u20E3$/.test(segment)) {
      width += 2;
      continue;
    }
    const chars = [...segment];
    width += eastAsianWidth(chars[0].codePointAt(0), eaw);
    // halfwidth forms inside a cluster (ｶﾞ) take their own column
    for (const c of chars.slice(1)) if (c >= '\uFF00' && c <= '\uFFEF') width += eastAsianWidth(c.codePointAt(0), eaw);
  }
  return width;
}
