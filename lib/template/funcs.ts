// Template functions: Go's text/template builtins plus the ones podman adds
// (containers/common pkg/report: join, json, lower, pad, split, title, truncate, upper).
import { formatValue, goTypeName, isPlainObject, sprint, sprintf, sprintln } from './fmt.ts';

/** Thrown by a function; the executor reports it as `error calling NAME: message`. */
export class FuncError extends Error {}

/** Go parameter types the executor checks arguments against, as text/template does. */
export type ParamType = 'string' | 'int' | '[]string' | 'any';

export interface TemplateFunc {
  /** Evaluated arguments (and the piped value last). */
  fn: (args: unknown[]) => unknown;
  /** Exact argument count, or [min, max] (max -1 = variadic). */
  arity: number | [number, number];
  /** Parameter types; the last one repeats for variadic functions. Default: any. */
  params?: ParamType[];
}

export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isPlainObject(v)) return (v as any)[Symbol.for('tspod.template.struct')] === true || Object.keys(v).length > 0;
  return true;
}

function wantString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) throw new FuncError('invalid value; expected string');
  throw new FuncError(`wrong type for value; expected string; got ${goTypeName(v)}`);
}

function wantInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v === undefined) throw new FuncError('invalid value; expected int');
  throw new FuncError(`wrong type for value; expected int; got ${goTypeName(v)}`);
}

/** Go's kind-based comparison: same basic kind or an error. */
function basic(v: unknown): 'num' | 'str' | 'bool' | 'nil' {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'number' || typeof v === 'bigint') return 'num';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  throw new FuncError('invalid type for comparison');
}

function eq2(a: unknown, b: unknown): boolean {
  const ka = basic(a);
  const kb = basic(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (ka !== kb) throw new FuncError('incompatible types for comparison');
  return ka === 'num' ? Number(a) === Number(b) : a === b;
}

function lt2(a: unknown, b: unknown): boolean {
  const ka = basic(a);
  const kb = basic(b);
  if (ka !== kb) throw new FuncError('incompatible types for comparison');
  if (ka === 'bool' || ka === 'nil') throw new FuncError('invalid type for comparison');
  return ka === 'num' ? Number(a) < Number(b) : (a as string) < (b as string);
}

function lengthOf(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (Buffer.isBuffer(v)) return v.length;
  if (v === null) return 0;
  if (isPlainObject(v)) return Object.keys(v).length;
  throw new FuncError(`len of type ${goTypeName(v)}`);
}

function indexOne(item: unknown, key: unknown): unknown {
  if (typeof item === 'string' || Array.isArray(item) || Buffer.isBuffer(item)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) throw new FuncError(`cannot index slice/array with type ${goTypeName(key)}`);
    const len = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
    if (key < 0 || key >= len) throw new FuncError(`index out of range: ${key}`);
    return typeof item === 'string' ? Buffer.from(item)[key] : item[key];
  }
  if (item instanceof Map) return item.has(key) ? item.get(key) : '';
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  if (isPlainObject(item)) {
    if (typeof key !== 'string') throw new FuncError(`value has type ${goTypeName(key)}; should be string`);
    // A missing map key yields the zero value ("" for podman's map[string]string labels).
    return Object.prototype.hasOwnProperty.call(item, key) ? item[key] : '';
  }
  throw new FuncError(`can't index item of type ${goTypeName(item)}`);
}

function sliceOf(item: unknown, idx: unknown[]): unknown {
  if (typeof item !== 'string' && !Array.isArray(item)) throw new FuncError(`can't slice item of type ${goTypeName(item)}`);
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  const n = idx.map(wantInt);
  const len = item.length;
  const lo = n[0] ?? 0;
  const hi = n[1] ?? len;
  if (lo < 0 || hi > len || lo > hi) throw new FuncError(`index out of range: ${lo > hi ? lo : hi}`);
  return item.slice(lo, hi);
}

/** Values as JSON: Maps become objects, undefined becomes null. */
const JSON_FORM = Symbol.for('tspod.template.json');

/**
 * What `{{json .}}` prints for `o` (Go's json tags): templates see Go field names (`.Store.GraphRoot`)
 * while json prints the tagged keys (`"graphRoot"`). Returns `o`.
 */
export function withJsonForm<T extends object>(o: T, json: unknown): T {
  Object.defineProperty(o, JSON_FORM, { value: json, enumerable: false });
  return o;
}

export function toJsonValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'object' && v !== null && JSON_FORM in v) return toJsonValue((v as Record<symbol, unknown>)[JSON_FORM]);
  // time.Time marshals as RFC 3339 with the fraction's trailing zeros dropped.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().replace(/\.?0+Z$/, 'Z');
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJsonValue(x)]));
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') o[k] = toJsonValue(x);
    return o;
  }
  return v;
}

/** Go's encoding/json with SetEscapeHTML(false): like JSON.stringify, plus \u2028/\u2029 escaped. */
export function goJson(v: unknown, indent?: string): string {
  const s = JSON.stringify(toJsonValue(v), null, indent) ?? 'null';
  return s.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** strings.Title: upper-case the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = !/[\p{L}\p{Nd}_]/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\n\r\t\u2028\u2029]|[\x00-\x1f]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === "'") return "\\'";
    if (c === '"') return '\\"';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  });
}

function evalArgsString(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

export const BUILTIN_FUNCS: Record<string, TemplateFunc> = {
  // and/or/not are short-circuited by the executor; these are used when piped.
  and: { arity: [1, -1], fn: (a) => { for (const x of a) if (!truth(x)) return x; return a[a.length - 1]; } },
  or: { arity: [1, -1], fn: (a) => { for (const x of a) if (truth(x)) return x; return a[a.length - 1]; } },
  not: { arity: 1, fn: (a) => !truth(a[0]) },
  len: { arity: 1, fn: (a) => lengthOf(a[0]) },
  index: { arity: [1, -1], fn: (a) => a.slice(1).reduce((item, k) => indexOne(item, k), a[0]) },
  slice: { arity: [1, -1], fn: (a) => sliceOf(a[0], a.slice(1)) },
  print: { arity: [0, -1], fn: (a) => sprint(a) },
  println: { arity: [0, -1], fn: (a) => sprintln(a) },
  printf: { arity: [1, -1], params: ['string', 'any'], fn: (a) => sprintf(wantString(a[0]), a.slice(1)) },
  eq: {
    arity: [1, -1],
    fn: (a) => {
      if (a.length < 2) throw new FuncError('missing argument for comparison');
      return a.slice(1).some((b) => eq2(a[0], b));
    },
  },
  ne: { arity: 2, fn: (a) => !eq2(a[0], a[1]) },
  lt: { arity: 2, fn: (a) => lt2(a[0], a[1]) },
  le: { arity: 2, fn: (a) => lt2(a[0], a[1]) || eq2(a[0], a[1]) },
  gt: { arity: 2, fn: (a) => !lt2(a[0], a[1]) && !eq2(a[0], a[1]) },
  ge: { arity: 2, fn: (a) => !lt2(a[0], a[1]) },
  html: { arity: [0, -1], fn: (a) => htmlEscape(evalArgsString(a)) },
  js: { arity: [0, -1], fn: (a) => jsEscape(evalArgsString(a)) },
  urlquery: { arity: [0, -1], fn: (a) => encodeURIComponent(evalArgsString(a)).replace(/%20/g, '+') },
  call: {
    arity: [1, -1],
    fn: (a) => {
      if (typeof a[0] !== 'function') throw new FuncError(`non-function of type ${goTypeName(a[0])}`);
      return (a[0] as (...x: unknown[]) => unknown)(...a.slice(1));
    },
  },
  // podman's additions (containers/common pkg/report DefaultFuncs)
  json: { arity: 1, fn: (a) => goJson(a[0]) },
  join: {
    arity: 2,
    params: ['[]string', 'string'],
    fn: (a) => {
      if (!Array.isArray(a[0])) {
        if (a[0] === null || a[0] === undefined) return '';
        throw new FuncError(`wrong type for value; expected []string; got ${goTypeName(a[0])}`);
      }
      return a[0].map((x) => formatValue(x)).join(wantString(a[1]));
    },
  },
  lower: { arity: 1, params: ['string'], fn: (a) => wantString(a[0]).toLowerCase() },
  upper: { arity: 1, params: ['string'], fn: (a) => wantString(a[0]).toUpperCase() },
  title: { arity: 1, params: ['string'], fn: (a) => title(wantString(a[0])) },
  split: { arity: 2, params: ['string', 'string'], fn: (a) => wantString(a[0]).split(wantString(a[1])) },
  truncate: {
    arity: 2,
    params: ['string', 'int'],
    fn: (a) => {
      const s = wantString(a[0]);
      const n = wantInt(a[1]);
      const b = Buffer.from(s, 'utf8');
      return b.length < n ? s : b.subarray(0, n).toString('utf8');
    },
  },
  pad: { arity: 3, params: ['string', 'int', 'int'], fn: (a) => ' '.repeat(Math.max(0, wantInt(a[1]))) + wantString(a[0]) + ' '.repeat(Math.max(0, wantInt(a[2]))) },
};
