// A small JSON parser that remembers where every value starts, so configuration errors can name
// the line and column (JSON.parse reports neither reliably). Duplicate object keys are an error,
// as in containers/image's paranoid policy parser.

export interface Position {
  line: number;
  column: number;
}

export class JsonPositionError extends Error {
  constructor(message: string, readonly position: Position) {
    super(message);
  }
}

export interface PositionedJson {
  value: unknown;
  /** Where the value at this path starts ("transports/docker/example.com/0/type" as an array). */
  positionOf(path: (string | number)[]): Position | undefined;
}

export function parseJsonWithPositions(text: string): PositionedJson {
  const positions = new Map<string, number>();
  let i = 0;
  const pos = (at: number): Position => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text[k] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    return { line, column: col };
  };
  const fail = (msg: string, at = i): never => {
    throw new JsonPositionError(msg, pos(at));
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const describe = () => (i >= text.length ? 'end of input' : `character ${JSON.stringify(text[i])}`);
  const str = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c < ' ') fail('control character in string');
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('invalid escape in string');
      } else {
        out += c;
        i++;
      }
    }
  };
  const value = (path: string): unknown => {
    ws();
    positions.set(path, i);
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a string key, found ${describe()}`);
        const keyAt = i;
        const key = str();
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key "${key}"`, keyAt);
        ws();
        if (text[i] !== ':') fail(`expected ':' after key, found ${describe()}`);
        i++;
        obj[key] = value(path + '\u0000' + key);
        // Point at the key, where a reader looks for the field a message names.
        positions.set(path + '\u0000' + key, keyAt);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(`expected ',' or '}', found ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(path + '\u0000' + arr.length));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(`expected ',' or ']', found ${describe()}`);
      }
    }
    if (c === '"') return str();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) return fail(`unexpected ${describe()}`);
    i += lit[0].length;
    return JSON.parse(lit[0]);
  };
  const v = value('');
  ws();
  if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
  return {
    value: v,
    positionOf: (p) => {
      const at = positions.get(p.map((x) => '\u0000' + String(x)).join(''));
      return at === undefined ? undefined : pos(at);
    },
  };
}
