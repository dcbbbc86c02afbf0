// WWW-Authenticate parsing (RFC 7235 challenges, as registries send them):
//   Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"
//   Basic realm="Registry Realm"
// A header may carry several challenges; parameter values may be quoted with \-escapes or bare tokens.

export interface Challenge {
  /** Lower-cased scheme: "bearer", "basic". */
  scheme: string;
  /** Parameter names lower-cased. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (!header) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseChallenges(h));
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++; };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(s);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const quoted = (): string => {
    let v = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i++];
    }
    i++; // closing quote
    return v;
  };
  // Lenient: registries send unquoted URLs, which are not RFC tokens.
  const bare = (): string => {
    const start = i;
    while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ',') { i++; skipWs(); }
    const scheme = token();
    if (!scheme) break;
    const c: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(c);
    // parameters until the next "token SP" that is not followed by '=' (the next scheme)
    for (;;) {
      skipWs();
      while (s[i] === ',') { i++; skipWs(); }
      const save = i;
      const name = token();
      if (!name) break;
      skipWs();
      if (s[i] !== '=') { i = save; break; } // a new challenge starts here
      i++;
      skipWs();
      const value = s[i] === '"' ? quoted() : bare();
      c.params[name.toLowerCase()] = value;
    }
  }
  return out;
}

/** The challenge a client should answer: Bearer before Basic. */
export function preferredChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
