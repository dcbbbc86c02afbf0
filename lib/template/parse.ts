// Parser for the Go text/template language (the subset podman users write): text, {{actions}} with
// pipelines, variables, if/else if/else, range (with $i, $v := and else, break, continue), with,
// define/template/block, comments and {{- -}} trim markers. Errors read like Go's:
//   template: NAME:LINE: message
import { TspodError } from '../errors.ts';

export type Arg =
  | { k: 'dot'; src: string; pos: number }
  | { k: 'field'; names: string[]; src: string; pos: number }
  | { k: 'var'; name: string; names: string[]; src: string; pos: number }
  | { k: 'ident'; name: string; src: string; pos: number }
  | { k: 'string'; v: string; src: string; pos: number }
  | { k: 'number'; v: number; isInt: boolean; src: string; pos: number }
  | { k: 'bool'; v: boolean; src: string; pos: number }
  | { k: 'nil'; src: string; pos: number }
  | { k: 'pipe'; pipe: Pipe; names: string[]; src: string; pos: number };

export interface Command {
  args: Arg[];
  src: string;
  pos: number;
}

export interface Pipe {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  pos: number;
  src: string;
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe; pos: number }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; elseList?: Node[]; pos: number }
  | { k: 'template'; name: string; pipe?: Pipe; pos: number }
  | { k: 'break' | 'continue'; pos: number };

export interface ParsedTemplate {
  name: string;
  source: string;
  root: Node[];
  defines: Map<string, Node[]>;
}

// ---------------------------------------------------------------- lexer

type TokKind =
  | 'text' | 'left' | 'right' | 'space' | 'field' | 'var' | 'ident' | 'dot' | 'string' | 'rawstring' | 'char'
  | 'number' | 'pipe' | 'lparen' | 'rparen' | 'comma' | 'declare' | 'assign' | 'eof';

interface Tok {
  k: TokKind;
  v: string;
  pos: number;
}

const SPACE = /[ \t\r\n]/;

function isAlnum(c: string): boolean {
  return /[\p{L}\p{Nd}_]/u.test(c);
}

class ParseError extends Error {}

function lex(src: string, fail: (pos: number, msg: string) => never): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let textEnd = open === -1 ? src.length : open;
    let text = src.slice(i, textEnd);
    let trimLeft = false;
    if (open !== -1 && src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '')) trimLeft = true;
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    trimNext = false;
    if (text) toks.push({ k: 'text', v: text, pos: i });
    if (open === -1) break;
    let p = open + 2 + (trimLeft ? 2 : 0);
    // Comment: {{/* ... */}}
    const afterSpace = src.slice(p);
    if (afterSpace.startsWith('/*')) {
      const end = src.indexOf('*/', p + 2);
      if (end === -1) fail(p, 'unclosed comment');
      p = end + 2;
      if (src.startsWith(' -}}', p) || src.startsWith('\t-}}', p) || src.startsWith('\n-}}', p) || src.startsWith('\r-}}', p)) {
        trimNext = true;
        p += 4;
      } else if (src.startsWith('}}', p)) p += 2;
      else fail(p, 'comment ends before closing delimiter');
      i = p;
      continue;
    }
    toks.push({ k: 'left', v: '{{', pos: open });
    // inside action
    for (;;) {
      if (p >= src.length) fail(p, 'unclosed action');
      const c = src[p];
      if (SPACE.test(c)) {
        const s = p;
        while (p < src.length && SPACE.test(src[p])) p++;
        if (src.startsWith('-}}', p)) {
          toks.push({ k: 'right', v: '}}', pos: p });
          trimNext = true;
          p += 3;
          break;
        }
        toks.push({ k: 'space', v: src.slice(s, p), pos: s });
        continue;
      }
      if (src.startsWith('}}', p)) {
        toks.push({ k: 'right', v: '}}', pos: p });
        p += 2;
        break;
      }
      if (c === '|') { toks.push({ k: 'pipe', v: c, pos: p++ }); continue; }
      if (c === '(') { toks.push({ k: 'lparen', v: c, pos: p++ }); continue; }
      if (c === ')') { toks.push({ k: 'rparen', v: c, pos: p++ }); continue; }
      if (c === ',') { toks.push({ k: 'comma', v: c, pos: p++ }); continue; }
      if (c === ':' ) {
        if (src[p + 1] !== '=') fail(p, 'expected :=');
        toks.push({ k: 'declare', v: ':=', pos: p });
        p += 2;
        continue;
      }
      if (c === '=') { toks.push({ k: 'assign', v: c, pos: p++ }); continue; }
      if (c === '"') {
        const s = p++;
        for (;;) {
          if (p >= src.length || src[p] === '\n') fail(s, 'unterminated quoted string');
          if (src[p] === '\\') p += 2;
          else if (src[p] === '"') { p++; break; }
          else p++;
        }
        toks.push({ k: 'string', v: src.slice(s, p), pos: s });
        continue;
      }
      if (c === '`') {
        const e = src.indexOf('`', p + 1);
        if (e === -1) fail(p, 'unterminated raw quoted string');
        toks.push({ k: 'rawstring', v: src.slice(p, e + 1), pos: p });
        p = e + 1;
        continue;
      }
      if (c === "'") {
        const s = p++;
        for (;;) {
          if (p >= src.length || src[p] === '\n') fail(s, 'unterminated character constant');
          if (src[p] === '\\') p += 2;
          else if (src[p] === "'") { p++; break; }
          else p++;
        }
        toks.push({ k: 'char', v: src.slice(s, p), pos: s });
        continue;
      }
      if (c === '$') {
        const s = p++;
        while (p < src.length && isAlnum(src[p])) p++;
        toks.push({ k: 'var', v: src.slice(s, p), pos: s });
        continue;
      }
      if (c === '.') {
        if (/[0-9]/.test(src[p + 1] ?? '')) {
          const m = /^\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?/.exec(src.slice(p))!;
          toks.push({ k: 'number', v: m[0], pos: p });
          p += m[0].length;
          continue;
        }
        const s = p++;
        while (p < src.length && isAlnum(src[p])) p++;
        toks.push(p === s + 1 ? { k: 'dot', v: '.', pos: s } : { k: 'field', v: src.slice(s, p), pos: s });
        continue;
      }
      if (/[0-9+-]/.test(c)) {
        const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)/.exec(src.slice(p));
        if (!m || !/[0-9]/.test(m[0])) fail(p, `bad character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
        if (isAlnum(src[p + m![0].length] ?? '')) fail(p, `bad number syntax: "${src.slice(p, p + m![0].length + 1)}"`);
        toks.push({ k: 'number', v: m![0], pos: p });
        p += m![0].length;
        continue;
      }
      if (isAlnum(c)) {
        const s = p;
        while (p < src.length && isAlnum(src[p])) p++;
        toks.push({ k: 'ident', v: src.slice(s, p), pos: s });
        continue;
      }
      fail(p, `bad character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
    }
    i = p;
  }
  toks.push({ k: 'eof', v: '', pos: src.length });
  return toks;
}

// ---------------------------------------------------------------- string literals

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Unquote a Go interpreted string or rune literal body. */
function unquote(body: string, fail: (msg: string) => never): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail('invalid syntax');
      out += e === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else if (/[0-7]/.test(e ?? '')) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) fail('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else fail('invalid syntax');
  }
  return out;
}

// ---------------------------------------------------------------- parser

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

export function lineOf(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') n++;
  return n;
}

/**
 * Parse a template. `isFunc(name)` tells which identifiers are functions (unknown ones are an error,
 * as in Go). Throws TspodError TEMPLATE (exit 125) "template: NAME:LINE: ...".
 */
export function parseTemplate(name: string, src: string, isFunc: (n: string) => boolean): ParsedTemplate {
  const fail = (pos: number, msg: string): never => {
    throw new TspodError('TEMPLATE', `template: ${name}:${lineOf(src, pos)}: ${msg}`);
  };
  let toks: Tok[];
  toks = lex(src, fail);
  let i = 0;
  const defines = new Map<string, Node[]>();
  const vars: string[][] = [['$']];
  const peek = (skipSpace = true): Tok => {
    let j = i;
    if (skipSpace) while (toks[j].k === 'space') j++;
    return toks[j];
  };
  const next = (skipSpace = true): Tok => {
    if (skipSpace) while (toks[i].k === 'space') i++;
    return toks[i++];
  };
  const varDefined = (v: string) => vars.some((scope) => scope.includes(v));
  const unexpected = (t: Tok, context: string): never => {
    const desc = t.k === 'eof' ? 'EOF' : t.k === 'right' ? '"}}"' : t.k === 'rparen' ? '")"' : `"${t.v}"`;
    return fail(t.pos, `unexpected ${desc} in ${context}`);
  };

  // Parses an operand with optional trailing .Field chain.
  const operand = (): Arg | undefined => {
    const t = peek(false);
    let arg: Arg;
    switch (t.k) {
      case 'dot': next(false); arg = { k: 'dot', src: '.', pos: t.pos }; break;
      case 'field': next(false); arg = { k: 'field', names: t.v.slice(1).split('.'), src: t.v, pos: t.pos }; break;
      case 'var': {
        next(false);
        if (!varDefined(t.v)) fail(t.pos, `undefined variable "${t.v}"`);
        arg = { k: 'var', name: t.v, names: [], src: t.v, pos: t.pos };
        break;
      }
      case 'ident': {
        if (t.v === 'true' || t.v === 'false') { next(false); arg = { k: 'bool', v: t.v === 'true', src: t.v, pos: t.pos }; break; }
        if (t.v === 'nil') { next(false); arg = { k: 'nil', src: t.v, pos: t.pos }; break; }
        if (KEYWORDS.has(t.v)) return undefined;
        if (!isFunc(t.v)) fail(t.pos, `function "${t.v}" not defined`);
        next(false);
        arg = { k: 'ident', name: t.v, src: t.v, pos: t.pos };
        break;
      }
      case 'string': next(false); arg = { k: 'string', v: unquote(t.v.slice(1, -1), (m) => fail(t.pos, m)), src: t.v, pos: t.pos }; break;
      case 'rawstring': next(false); arg = { k: 'string', v: t.v.slice(1, -1).replace(/\r/g, ''), src: t.v, pos: t.pos }; break;
      case 'char': {
        next(false);
        const s = unquote(t.v.slice(1, -1), (m) => fail(t.pos, m));
        if ([...s].length !== 1) fail(t.pos, `malformed character constant: ${t.v}`);
        arg = { k: 'number', v: s.codePointAt(0)!, isInt: true, src: t.v, pos: t.pos };
        break;
      }
      case 'number': {
        next(false);
        const clean = t.v.replace(/_/g, '');
        let v: number;
        let isInt = true;
        if (/^[+-]?0[xX]/.test(clean)) v = Number(clean.replace(/^([+-]?)0[xX]/, '$10x')) * (clean.startsWith('-') ? -1 : 1);
        else if (/^[+-]?0[bB]/.test(clean)) v = parseInt(clean.replace(/^([+-]?)0[bB]/, '$1'), 2);
        else if (/^[+-]?0[oO]/.test(clean)) v = parseInt(clean.replace(/^([+-]?)0[oO]/, '$1'), 8);
        else {
          v = Number(clean);
          isInt = !/[.eE]/.test(clean);
          if (isInt && /^[+-]?0[0-7]+$/.test(clean)) v = parseInt(clean, 8);
        }
        if (Number.isNaN(v)) fail(t.pos, `bad number syntax: "${t.v}"`);
        arg = { k: 'number', v, isInt, src: t.v, pos: t.pos };
        break;
      }
      case 'lparen': {
        next(false);
        const p = pipeline('parenthesized pipeline', 'rparen');
        const close = toks[i - 1];
        arg = { k: 'pipe', pipe: p, names: [], src: src.slice(t.pos, close.pos + 1), pos: t.pos };
        break;
      }
      default:
        return undefined;
    }
    // field chain: (x).A.B or $x.A.B
    while (peek(false).k === 'field') {
      const f = next(false);
      const names = f.v.slice(1).split('.');
      if (arg.k === 'var' || arg.k === 'pipe') {
        arg.names.push(...names);
        arg.src += f.v;
      } else if (arg.k === 'field') {
        arg.names.push(...names);
        arg.src += f.v;
      } else if (arg.k === 'dot') {
        fail(f.pos, `unexpected . after term "."`);
      } else {
        fail(f.pos, `unexpected . after term "${arg.src}"`);
      }
    }
    return arg;
  };

  const command = (context: string): Command => {
    const start = peek();
    const args: Arg[] = [];
    for (;;) {
      while (toks[i].k === 'space') i++;
      const a = operand();
      if (!a) break;
      args.push(a);
      const t = toks[i];
      if (t.k === 'space') continue;
      if (t.k === 'right' || t.k === 'rparen' || t.k === 'pipe') break;
      unexpected(t, 'operand');
    }
    if (args.length === 0) {
      const t = peek();
      if (t.k === 'ident' && KEYWORDS.has(t.v)) fail(t.pos, `unexpected <${t.v}> in ${context}`);
      if (t.k !== 'right' && t.k !== 'pipe' && t.k !== 'eof') unexpected(t, context);
      fail(t.pos, `missing value for ${context}`);
    }
    const last = args[args.length - 1];
    return { args, src: src.slice(start.pos, last.pos + last.src.length), pos: start.pos };
  };

  const pipeline = (context: string, end: 'right' | 'rparen' = 'right'): Pipe => {
    const startTok = peek();
    const decl: string[] = [];
    let isAssign = false;
    // Optional declarations: $x := / $x = / $i, $v :=
    {
      const save = i;
      const t = next();
      if (t.k === 'var') {
        const n = next();
        if (n.k === 'declare' || n.k === 'assign') {
          decl.push(t.v);
          isAssign = n.k === 'assign';
          if (isAssign && !varDefined(t.v)) fail(t.pos, `undefined variable "${t.v}"`);
        } else if (n.k === 'comma' && context === 'range') {
          const v2 = next();
          if (v2.k !== 'var') unexpected(v2, 'range');
          const d = next();
          if (d.k !== 'declare' && d.k !== 'assign') fail(d.pos, 'range can only initialize variables');
          decl.push(t.v, v2.v);
          isAssign = d.k === 'assign';
        } else i = save;
      } else i = save;
    }
    if (!isAssign) for (const d of decl) vars[vars.length - 1].push(d);
    const cmds: Command[] = [];
    for (;;) {
      const t = peek();
      if (t.k === end) {
        next();
        if (cmds.length === 0) fail(t.pos, `missing value for ${context}`);
        break;
      }
      if (t.k === 'eof' || (t.k === 'right' && end === 'rparen')) unexpected(t, context);
      cmds.push(command(context));
      const n = peek();
      if (n.k === 'pipe') {
        next();
        if (peek().k === end) fail(n.pos, 'missing command');
      } else if (n.k !== end) unexpected(n, context);
    }
    const endTok = toks[i - 1];
    return { decl, isAssign, cmds, pos: startTok.pos, src: src.slice(startTok.pos, endTok.pos).trim() };
  };

  // itemList parses nodes until {{end}} / {{else}}; returns the terminating keyword.
  const list = (context: string, allowElse: boolean): { nodes: Node[]; term: 'end' | 'else' | 'eof'; elseTok?: Tok } => {
    const nodes: Node[] = [];
    for (;;) {
      const t = next(false);
      if (t.k === 'eof') {
        if (context !== 'top') fail(t.pos, 'unexpected EOF');
        return { nodes, term: 'eof' };
      }
      if (t.k === 'text') { nodes.push({ k: 'text', text: t.v }); continue; }
      if (t.k !== 'left') unexpected(t, 'input');
      const kw = peek();
      if (kw.k === 'ident' && KEYWORDS.has(kw.v)) {
        next();
        switch (kw.v) {
          case 'end':
            if (context === 'top') fail(kw.pos, 'unexpected {{end}}');
            expectRight('end');
            return { nodes, term: 'end' };
          case 'else':
            if (!allowElse) fail(kw.pos, 'unexpected {{else}}');
            return { nodes, term: 'else', elseTok: kw };
          case 'if': case 'with': case 'range':
            nodes.push(control(kw.v, kw.pos));
            continue;
          case 'break': case 'continue': {
            if (!rangeDepth) fail(kw.pos, `{{${kw.v}}} outside {{range}}`);
            expectRight(kw.v);
            nodes.push({ k: kw.v, pos: kw.pos });
            continue;
          }
          case 'template': {
            const n = next();
            if (n.k !== 'string' && n.k !== 'rawstring') unexpected(n, 'template clause');
            const tname = n.k === 'string' ? unquote(n.v.slice(1, -1), (m) => fail(n.pos, m)) : n.v.slice(1, -1);
            let pipe: Pipe | undefined;
            if (peek().k !== 'right') pipe = pipeline('template clause');
            else next();
            nodes.push({ k: 'template', name: tname, pipe, pos: kw.pos });
            continue;
          }
          case 'define': case 'block': {
            const n = next();
            if (n.k !== 'string' && n.k !== 'rawstring') unexpected(n, `${kw.v} clause`);
            const tname = n.k === 'string' ? unquote(n.v.slice(1, -1), (m) => fail(n.pos, m)) : n.v.slice(1, -1);
            let pipe: Pipe | undefined;
            if (kw.v === 'block') pipe = pipeline('block clause');
            else expectRight('define');
            vars.push(['$']);
            const savedDepth = rangeDepth;
            rangeDepth = 0;
            const body = list(kw.v, false);
            rangeDepth = savedDepth;
            vars.pop();
            if (kw.v === 'define' && context !== 'top') fail(kw.pos, 'unexpected <define> in command');
            if (!defines.has(tname) || body.nodes.some((x) => x.k !== 'text' || x.text.trim())) defines.set(tname, body.nodes);
            if (kw.v === 'block') nodes.push({ k: 'template', name: tname, pipe, pos: kw.pos });
            continue;
          }
        }
      }
      nodes.push({ k: 'action', pipe: pipeline('command'), pos: t.pos });
    }
  };

  let rangeDepth = 0;
  const expectRight = (context: string) => {
    const t = next();
    if (t.k !== 'right') unexpected(t, context);
  };

  const control = (kind: 'if' | 'with' | 'range', pos: number): Node => {
    vars.push([]);
    const pipe = pipeline(kind);
    if (kind === 'range') rangeDepth++;
    const body = list(kind, true);
    if (kind === 'range') rangeDepth--;
    let elseList: Node[] | undefined;
    if (body.term === 'else') {
      const n = peek();
      if ((kind === 'if' && n.k === 'ident' && n.v === 'if') || (kind === 'with' && n.k === 'ident' && n.v === 'with')) {
        // {{else if ...}} / {{else with ...}}: a nested control that consumes the shared {{end}}.
        // Variables of the first pipeline stay visible until that {{end}}, as in Go.
        next();
        elseList = [control(kind, n.pos)];
        vars.pop();
        return { k: kind, pipe, list: body.nodes, elseList, pos };
      }
      expectRight('else');
      const e = list(kind, false);
      elseList = e.nodes;
    }
    vars.pop();
    return { k: kind, pipe, list: body.nodes, elseList, pos };
  };

  try {
    const top = list('top', false);
    return { name, source: src, root: top.nodes, defines };
  } catch (err) {
    if (err instanceof ParseError) throw new TspodError('TEMPLATE', err.message);
    throw err;
  }
}
