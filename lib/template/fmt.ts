// Go's fmt for template values: %v printing (Sprint/Sprintln) and Sprintf with the verbs podman
// users write. JS values map to Go kinds: string, integer number -> int, other number -> float64,
// boolean, null -> nil, undefined -> missing (<no value>), Array -> slice, Map -> map, plain object ->
// map (sorted keys) unless marked with asStruct() (then {v1 v2} in field order), Date -> time.Time.

const STRUCT = Symbol.for('tspod.template.struct');

/**
 * Mark an object so %v prints it like a Go struct ({a b}) instead of a map (map[k:v]), and a field
 * it lacks is an error ("can't evaluate field X in type T"), not <no value>. `typeName` is T.
 */
export function asStruct<T extends object>(o: T, typeName = 'struct'): T {
  Object.defineProperty(o, STRUCT, { value: typeName, enumerable: false });
  return o;
}

export function isStruct(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as any)[STRUCT] === 'string';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Date) && !Buffer.isBuffer(v);
}

export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  if (v instanceof Map) return 'map[string]interface {}';
  if (typeof v === 'function') return 'func';
  if (isStruct(v)) return (v as any)[STRUCT] as string;
  return 'map[string]interface {}';
}

/** strconv.FormatFloat(f, 'g', prec, 64); prec -1 is the shortest form %v uses. */
export function formatFloatG(f: number, prec = -1, upper = false): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const sign = f < 0 || Object.is(f, -0) ? '-' : '';
  if (f === 0) return sign + '0';
  const shortest = prec < 0;
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest ? f.toExponential() : f.toExponential(Math.max(prec, 1) - 1))!;
  const digits = (m[1] + (m[2] ?? '')).replace(/0+$/, '') || '0';
  const exp = Number(m[3]);
  const nd = digits.length;
  const dp = exp + 1;
  let p = shortest ? nd : Math.max(prec, 1);
  let eprec = p;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  if (exp < -4 || exp >= eprec) {
    if (p > nd) p = nd;
    const frac = digits.slice(1, p).padEnd(p - 1, '0');
    const ea = Math.abs(exp);
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${ea < 10 ? '0' : ''}${ea}`;
  }
  if (p > dp) p = nd;
  const fd = Math.max(p - dp, 0);
  const intPart = dp <= 0 ? '0' : digits.slice(0, dp).padEnd(dp, '0');
  const fracDigits = dp < 0 ? '0'.repeat(-dp) + digits : digits.slice(Math.max(dp, 0));
  const frac = fracDigits.slice(0, fd).padEnd(fd, '0');
  return `${sign}${intPart}${frac ? '.' + frac : ''}`;
}

function pad2(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
export function formatGoTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60000);
  const ms = local.getUTCMilliseconds();
  const frac = ms ? '.' + pad2(ms, 3).replace(/0+$/, '') : '';
  const sign = off < 0 ? '-' : '+';
  const zone = off === 0 ? 'UTC' : (new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '');
  return `${local.getUTCFullYear()}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())} ${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}${frac} ${sign}${pad2(Math.floor(Math.abs(off) / 60))}${pad2(Math.abs(off) % 60)} ${zone}`;
}

function sortedKeys(v: Map<unknown, unknown> | Record<string, unknown>): unknown[] {
  const keys = v instanceof Map ? [...v.keys()] : Object.keys(v);
  return keys.sort((a: any, b: any) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/** %v of a value (with plusV: %+v, field names for structs). */
export function formatValue(v: unknown, plusV = false, top = true): string {
  if (v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatFloatG(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return formatGoTime(v);
  if (Buffer.isBuffer(v)) return `[${[...v].join(' ')}]`;
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, plusV, false)).join(' ')}]`;
  if (v instanceof Map) return `map[${sortedKeys(v).map((k) => `${formatValue(k, plusV, false)}:${formatValue(v.get(k), plusV, false)}`).join(' ')}]`;
  if (typeof v === 'function') return '<func>';
  const o = v as Record<string, unknown>;
  if (isStruct(o)) return `{${Object.keys(o).map((k) => (plusV ? `${k}:` : '') + formatValue(o[k], plusV, false)).join(' ')}}`;
  return `map[${sortedKeys(o).map((k) => `${k}:${formatValue(o[k as string], plusV, false)}`).join(' ')}]`;
}

/** Go's Sprint: a space between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(args[i]);
  }
  return out;
}

export function sprintln(args: unknown[]): string {
  return args.map((a) => formatValue(a)).join(' ') + '\n';
}

// Go's %q: strconv.Quote.
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function padTo(s: string, sp: Spec, numeric = false): string {
  const w = sp.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (sp.minus) return s + ' '.repeat(w - len);
  if (sp.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
}

function signed(s: string, n: number, sp: Spec): string {
  if (n >= 0 || Object.is(n, 0)) return (sp.plus ? '+' : sp.space ? ' ' : '') + s;
  return s;
}

function fmtInt(v: number | bigint, verb: string, sp: Spec): string {
  const n = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let s: string;
  switch (verb) {
    case 'd': s = abs.toString(10); break;
    case 'x': s = abs.toString(16); if (sp.sharp) s = '0x' + s; break;
    case 'X': s = abs.toString(16).toUpperCase(); if (sp.sharp) s = '0X' + s; break;
    case 'o': s = abs.toString(8); if (sp.sharp) s = '0' + s; break;
    case 'O': s = '0o' + abs.toString(8); break;
    case 'b': s = abs.toString(2); break;
    case 'c': return padTo(String.fromCodePoint(Number(n)), sp);
    case 'q': return padTo(`'${String.fromCodePoint(Number(n))}'`, sp);
    case 'U': s = 'U+' + abs.toString(16).toUpperCase().padStart(4, '0'); break;
    default: return badVerb(verb, typeof v === 'bigint' ? v : v);
  }
  if (sp.prec !== undefined) s = s.padStart(sp.prec, '0');
  s = (neg ? '-' : sp.plus ? '+' : sp.space ? ' ' : '') + s;
  return padTo(s, { ...sp, zero: sp.zero && sp.prec === undefined }, true);
}

function fmtFloat(f: number, verb: string, sp: Spec): string {
  let s: string;
  const prec = sp.prec;
  switch (verb) {
    case 'f': case 'F': s = Number.isFinite(f) ? f.toFixed(prec ?? 6) : formatFloatG(f); break;
    case 'e': case 'E': {
      s = f.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      if (verb === 'E') s = s.toUpperCase();
      break;
    }
    case 'g': case 'G': s = formatFloatG(f, prec ?? -1, verb === 'G'); break;
    case 'v': s = formatFloatG(f); break;
    default: return badVerb(verb, f);
  }
  return padTo(signed(s, f, sp), sp, true);
}

function fmtString(s: string, verb: string, sp: Spec): string {
  switch (verb) {
    case 's': case 'v': {
      if (sp.prec !== undefined) s = [...s].slice(0, sp.prec).join('');
      return padTo(s, sp);
    }
    case 'q': return padTo(sp.sharp && !s.includes('`') ? '`' + s + '`' : goQuote(s), sp);
    case 'x': case 'X': {
      let h = Buffer.from(s, 'utf8').toString('hex');
      if (verb === 'X') h = h.toUpperCase();
      return padTo(h, sp);
    }
    default: return badVerb(verb, s);
  }
}

function fmtArg(v: unknown, verb: string, sp: Spec): string {
  if (verb === 'T') return padTo(v === undefined || v === null ? '<nil>' : goTypeName(v), sp);
  if (verb === 'v' && sp.sharp) return padTo(JSON.stringify(v) ?? '<nil>', sp);
  if (v === undefined || v === null) {
    return verb === 'v' ? padTo('<nil>', sp) : `%!${verb}(<nil>)`;
  }
  if (typeof v === 'string') return fmtString(v, verb, sp);
  if (typeof v === 'boolean') return verb === 't' || verb === 'v' ? padTo(String(v), sp) : badVerb(verb, v);
  if (typeof v === 'bigint') return verb === 'v' ? padTo(String(v), sp, true) : fmtInt(v, verb, sp);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !'eEfFgG'.includes(verb)) return verb === 'v' ? padTo(signed(String(v), v, sp), sp, true) : fmtInt(v, verb, sp);
    if (!Number.isInteger(v) && 'dxXobcqU'.includes(verb)) return badVerb(verb, v);
    return fmtFloat(v, verb, sp);
  }
  if (Array.isArray(v) && verb !== 'v') {
    // Go applies the verb element-wise to slices.
    return padTo(`[${v.map((x) => fmtArg(x, verb, { ...sp, width: undefined })).join(' ')}]`, sp);
  }
  if (verb === 'v' || verb === 's') return padTo(formatValue(v, sp.plus), sp);
  return badVerb(verb, v);
}

/** Go's fmt.Sprintf for the common verbs, flags, width and precision (including '*'). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') { out += c; i++; continue; }
    i++;
    if (format[i] === '%') { out += '%'; i++; continue; }
    const sp: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') { sp.minus = true; sp.zero = false; }
      else if (f === '+') sp.plus = true;
      else if (f === '#') sp.sharp = true;
      else if (f === ' ') sp.space = true;
      else if (f === '0') sp.zero = !sp.minus;
      else break;
    }
    if (format[i] === '*') {
      const w = args[argi++];
      if (typeof w === 'number') { sp.width = Math.abs(w); if (w < 0) sp.minus = true; } else out += '%!(BADWIDTH)';
      i++;
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) { sp.width = Number(m[0]); i += m[0].length; }
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        const p = args[argi++];
        if (typeof p === 'number') sp.prec = p; else out += '%!(BADPREC)';
        i++;
      } else {
        const m = /^\d+/.exec(format.slice(i));
        sp.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    if (i >= format.length) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    out += fmtArg(args[argi++], verb, sp);
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => `${a === null || a === undefined ? '<nil>' : goTypeName(a)}=${formatValue(a)}`).join(', ') + ')';
  }
  return out;
}
