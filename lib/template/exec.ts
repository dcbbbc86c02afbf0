// Executes a parsed template against a value with Go's semantics: dot, $ and variables, truthiness,
// range over slices/maps (sorted keys)/ints, missing map keys -> <no value>, methods (JS functions)
// called with their arguments. Errors: template: NAME:LINE:COL: executing "NAME" at <SRC>: message
import { TspodError } from '../errors.ts';
import { formatValue, goTypeName, isPlainObject, isStruct } from './fmt.ts';
import { BUILTIN_FUNCS, FuncError, truth, type ParamType, type TemplateFunc } from './funcs.ts';
import type { Arg, Command, Node, ParsedTemplate, Pipe } from './parse.ts';

const NONE = Symbol('none');
type Final = unknown | typeof NONE;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
// Go allows 100000 nested template calls; the JS stack runs out far earlier.
const MAX_DEPTH = 1000;

interface State {
  tmpl: ParsedTemplate;
  funcs: Record<string, TemplateFunc>;
  out: string[];
  vars: { name: string; value: unknown }[];
  depth: number;
}

class ExecError extends Error {
  constructor(readonly pos: number, readonly src: string, message: string) {
    super(message);
  }
}

function fail(pos: number, src: string, msg: string): never {
  throw new ExecError(pos, src, msg);
}

function lookupVar(s: State, name: string, pos: number): unknown {
  for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i].name === name) return s.vars[i].value;
  return fail(pos, name, `undefined variable: ${name}`);
}

function setVar(s: State, name: string, value: unknown): void {
  for (let i = s.vars.length - 1; i >= 0; i--) {
    if (s.vars[i].name === name) {
      s.vars[i].value = value;
      return;
    }
  }
}

function evalField(s: State, dot: unknown, name: string, receiver: unknown, args: Arg[], final: Final, pos: number, src: string): unknown {
  const hasArgs = args.length > 0 || final !== NONE;
  if (receiver === undefined || receiver === null) {
    if (hasArgs) fail(pos, src, `nil pointer evaluating ${goTypeName(receiver)}.${name}`);
    return undefined;
  }
  if (receiver instanceof Map) {
    if (hasArgs) fail(pos, src, `${name} is not a method but has arguments`);
    return receiver.get(name);
  }
  if (typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof Date)) {
    // Own fields, plus getters/methods of classes; never Object.prototype's (toString, constructor...).
    const v = name in Object.prototype && !Object.prototype.hasOwnProperty.call(receiver, name) ? undefined : (receiver as Record<string, unknown>)[name];
    if (typeof v === 'function') {
      const argv = args.map((a) => evalArg(s, dot, a));
      if (final !== NONE) argv.push(final);
      try {
        return (v as (...a: unknown[]) => unknown).apply(receiver, argv);
      } catch (err) {
        return fail(pos, src, `error calling ${name}: ${(err as Error).message}`);
      }
    }
    if (hasArgs) fail(pos, src, `${name} has arguments but cannot be invoked as function`);
    const has = Object.prototype.hasOwnProperty.call(receiver, name) || name in receiver;
    if (!has && isStruct(receiver)) fail(pos, src, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    return has ? v : undefined;
  }
  return fail(pos, src, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
}

function evalFieldChain(s: State, dot: unknown, receiver: unknown, names: string[], args: Arg[], final: Final, pos: number, src: string): unknown {
  const n = names.length;
  for (let i = 0; i < n - 1; i++) receiver = evalField(s, dot, names[i], receiver, [], NONE, pos, src);
  return evalField(s, dot, names[n - 1], receiver, args, final, pos, src);
}

function callFunction(s: State, dot: unknown, name: string, args: Arg[], final: Final, cmd: { pos: number; src: string }): unknown {
  const f = s.funcs[name];
  const nargs = args.length + (final !== NONE ? 1 : 0);
  const [min, max] = typeof f.arity === 'number' ? [f.arity, f.arity] : f.arity;
  if (nargs < min || (max >= 0 && nargs > max)) {
    const want = typeof f.arity === 'number' ? `${f.arity}` : `at least ${min}`;
    fail(cmd.pos, cmd.src, `wrong number of args for ${name}: want ${want} got ${nargs}`);
  }
  // and/or evaluate lazily, stopping at the first decisive value (Go 1.18+).
  if (name === 'and' || name === 'or') {
    let v: unknown;
    for (let i = 0; i < nargs; i++) {
      v = i < args.length ? evalArg(s, dot, args[i]) : final;
      if (truth(v) !== (name === 'and')) return v;
    }
    return v;
  }
  const params = f.params ?? [];
  const typeAt = (i: number) => params[Math.min(i, params.length - 1)] ?? 'any';
  const argv = args.map((a, i) => typedArg(s, dot, a, typeAt(i)));
  if (final !== NONE) argv.push(validateType(final, typeAt(args.length), cmd.pos, cmd.src));
  try {
    return f.fn(argv);
  } catch (err) {
    if (err instanceof FuncError || !(err instanceof ExecError)) return fail(cmd.pos, cmd.src, `error calling ${name}: ${(err as Error).message}`);
    throw err;
  }
}

const GO_TYPE: Record<ParamType, string> = { string: 'string', int: 'int', '[]string': '[]string', any: 'interface {}' };

function matchesType(v: unknown, t: ParamType): boolean {
  if (t === 'any') return true;
  if (t === 'string') return typeof v === 'string';
  if (t === 'int') return typeof v === 'number' && Number.isInteger(v);
  return Array.isArray(v) || v === null;
}

/** text/template's validateType: a computed value against a parameter type. */
function validateType(v: unknown, t: ParamType, pos: number, src: string): unknown {
  if (t === 'any' || matchesType(v, t)) return v;
  if (v === undefined) return fail(pos, src, `invalid value; expected ${GO_TYPE[t]}`);
  return fail(pos, src, `wrong type for value; expected ${GO_TYPE[t]}; got ${goTypeName(v)}`);
}

/** text/template's evalArg with a parameter type: literals are checked by kind, values by type. */
function typedArg(s: State, dot: unknown, a: Arg, t: ParamType): unknown {
  if (t === 'any') return evalArg(s, dot, a);
  switch (a.k) {
    case 'string': case 'number': case 'bool': {
      if (t === 'string' && a.k === 'string') return a.v;
      if (t === 'int' && a.k === 'number' && a.isInt) return a.v;
      if (t === '[]string') return fail(a.pos, a.src, `can't handle ${a.src} for arg of type []string`);
      return fail(a.pos, a.src, `expected ${t === 'int' ? 'integer' : t}; found ${a.src}`);
    }
    case 'nil':
      if (t === '[]string') return null;
      return fail(a.pos, a.src, `cannot assign nil to ${GO_TYPE[t]}`);
    default:
      return validateType(evalArg(s, dot, a), t, a.pos, a.src);
  }
}

function evalArg(s: State, dot: unknown, a: Arg): unknown {
  switch (a.k) {
    case 'dot': return dot;
    case 'field': return evalFieldChain(s, dot, dot, a.names, [], NONE, a.pos, a.src);
    case 'var': {
      const v = lookupVar(s, a.name, a.pos);
      return a.names.length ? evalFieldChain(s, dot, v, a.names, [], NONE, a.pos, a.src) : v;
    }
    case 'pipe': {
      const v = evalPipeline(s, dot, a.pipe);
      return a.names.length ? evalFieldChain(s, dot, v, a.names, [], NONE, a.pos, a.src) : v;
    }
    case 'ident': return callFunction(s, dot, a.name, [], NONE, a);
    case 'string': case 'number': case 'bool': return a.v;
    case 'nil': return null;
  }
}

function evalCommand(s: State, dot: unknown, cmd: Command, final: Final): unknown {
  const [first, ...rest] = cmd.args;
  switch (first.k) {
    case 'field': return evalFieldChain(s, dot, dot, first.names, rest, final, first.pos, first.src);
    case 'var': case 'pipe': {
      if (first.names.length) {
        const recv = first.k === 'var' ? lookupVar(s, first.name, first.pos) : evalPipeline(s, dot, first.pipe);
        return evalFieldChain(s, dot, recv, first.names, rest, final, first.pos, first.src);
      }
      break;
    }
    case 'ident': return callFunction(s, dot, first.name, rest, final, cmd);
    case 'nil': fail(first.pos, first.src, 'nil is not a command');
  }
  if (rest.length || final !== NONE) fail(first.pos, first.src, `can't give argument to non-function ${first.src}`);
  return evalArg(s, dot, first);
}

function evalPipeline(s: State, dot: unknown, pipe: Pipe): unknown {
  let value: Final = NONE;
  for (const cmd of pipe.cmds) value = evalCommand(s, dot, cmd, value);
  if (value === NONE) value = undefined;
  for (const d of pipe.decl) {
    if (pipe.isAssign) setVar(s, d, value);
    else s.vars.push({ name: d, value });
  }
  return value;
}

function iterate(v: unknown, pos: number, src: string): [unknown, unknown][] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof Map) return [...v.keys()].sort((a: any, b: any) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => [k, v.get(k)]);
  if (typeof v === 'number' && Number.isInteger(v)) return Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
  if (isPlainObject(v)) return Object.keys(v).sort().map((k) => [k, v[k]]);
  return fail(pos, src, `range can't iterate over ${formatValue(v)}`);
}

function walk(s: State, dot: unknown, nodes: Node[]): void {
  for (const n of nodes) {
    switch (n.k) {
      case 'text':
        s.out.push(n.text);
        break;
      case 'action': {
        const mark = s.vars.length;
        const v = evalPipeline(s, dot, n.pipe);
        if (n.pipe.decl.length === 0) s.out.push(formatValue(v));
        // Declarations in a plain action live until the end of the enclosing block.
        if (n.pipe.decl.length === 0) s.vars.length = mark;
        break;
      }
      case 'if': case 'with': {
        const mark = s.vars.length;
        const v = evalPipeline(s, dot, n.pipe);
        if (truth(v)) walk(s, n.k === 'with' ? v : dot, n.list);
        else if (n.elseList) walk(s, dot, n.elseList);
        s.vars.length = mark;
        break;
      }
      case 'range': {
        const mark = s.vars.length;
        const pipe = n.pipe;
        const v = evalPipeline({ ...s, vars: [...s.vars] }, dot, { ...pipe, decl: [] });
        const items = iterate(v, pipe.pos, pipe.src);
        if (items.length === 0) {
          if (n.elseList) walk(s, dot, n.elseList);
          break;
        }
        for (const [k, elem] of items) {
          if (pipe.decl.length === 1) s.vars.push({ name: pipe.decl[0], value: elem });
          else if (pipe.decl.length === 2) s.vars.push({ name: pipe.decl[0], value: k }, { name: pipe.decl[1], value: elem });
          try {
            walk(s, elem, n.list);
          } catch (e) {
            if (e === BREAK) { s.vars.length = mark; break; }
            if (e !== CONTINUE) throw e;
          }
          s.vars.length = mark;
        }
        s.vars.length = mark;
        break;
      }
      case 'break': throw BREAK;
      case 'continue': throw CONTINUE;
      case 'template': {
        const body = s.tmpl.defines.get(n.name);
        if (!body) fail(n.pos, `{{template ${JSON.stringify(n.name)}${n.pipe ? ' ' + n.pipe.src : ''}}}`, `template ${JSON.stringify(n.name)} not defined`);
        if (++s.depth > MAX_DEPTH) fail(n.pos, n.name, `exceeded maximum template depth (${MAX_DEPTH})`);
        const arg = n.pipe ? evalPipeline(s, dot, n.pipe) : undefined;
        const saved = s.vars;
        s.vars = [{ name: '$', value: arg }];
        try {
          walk(s, arg, body!);
        } finally {
          s.vars = saved;
          s.depth--;
        }
        break;
      }
    }
  }
}

/** Run the template; returns the output text. Throws TspodError TEMPLATE (exit 125). */
export function executeTemplate(tmpl: ParsedTemplate, value: unknown, funcs: Record<string, TemplateFunc> = BUILTIN_FUNCS): string {
  const s: State = { tmpl, funcs, out: [], vars: [{ name: '$', value }], depth: 0 };
  try {
    walk(s, value, tmpl.root);
  } catch (err) {
    if (err instanceof ExecError) {
      const before = tmpl.source.slice(0, err.pos);
      const line = before.split('\n').length;
      const col = err.pos - (before.lastIndexOf('\n') + 1);
      throw new TspodError('TEMPLATE', `template: ${tmpl.name}:${line}:${col}: executing "${tmpl.name}" at <${err.src}>: ${err.message}`);
    }
    throw err;
  }
  return s.out.join('');
}
