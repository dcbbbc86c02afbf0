import type { CommandModule, GlobalOptions } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface RunlabelOptions extends GlobalOptions {
  label: string; image: string; args?: string[]; name?: string; display?: boolean; quiet?: boolean; replace?: boolean;
  opt1?: string; opt2?: string; opt3?: string; authfile?: string; certDir?: string; creds?: string; tlsVerify?: boolean;
}

/**
 * podman container runlabel: run the command an image's label holds (e.g. `run`), with podman's
 * substitutions: IMAGE and NAME (also $IMAGE, ${IMAGE}, =IMAGE and the same for NAME), then $OPT1..3
 * and $PWD; the arguments given are appended. A first word podman or tspod runs this tspod (with its
 * store options). The image is pulled when missing.
 */
export function runlabelCommand(): CommandModule<RunlabelOptions> {
  return {
    command: 'runlabel <label> <image> [args..]',
    describe: 'Execute the command described by an image label',
    builder: (y) => y.positional('label', { type: 'string' }).positional('image', { type: 'string' })
      .positional('args', { type: 'string', array: true })
      .option('authfile', { type: 'string', describe: 'Path of the authentication file' })
      .option('cert-dir', { type: 'string', describe: 'Pathname of a directory containing TLS certificates and keys' })
      .option('creds', { type: 'string', describe: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' })
      .option('display', { type: 'boolean', describe: 'Preview the command that the label would run' })
      .option('name', { alias: 'n', type: 'string', describe: 'Assign a name to the container' })
      .option('opt1', { type: 'string', hidden: true, describe: 'Optional parameter to pass for install' })
      .option('opt2', { type: 'string', hidden: true, describe: 'Optional parameter to pass for install' })
      .option('opt3', { type: 'string', hidden: true, describe: 'Optional parameter to pass for install' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output information when installing images' })
      .option('replace', { type: 'boolean', describe: 'Replace existing container with a new one from the image' })
      .option('tls-verify', { type: 'boolean', describe: 'Require HTTPS and verify certificates when contacting registries (default true)' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const images = await engine.images();
      let img;
      try {
        img = await images.lookupImage(o.image);
      } catch (err) {
        if (!(err instanceof TspodError) || err.code !== 'NO_SUCH_IMAGE') throw err;
        await pull(engine.selfCommand(), o);
        img = await images.lookupImage(o.image);
      }
      const labels = (await images.imageConfig(img.id)).config?.Labels ?? {};
      let label = labels[o.label];
      if (!label) throw new TspodError('NO_LABEL', `cannot find the value of label: ${o.label} in image: ${o.image}`);
      const imageName = img.names[0] ?? img.id;
      let name = o.name;
      if (!name) {
        const base = (img.id.startsWith(o.image) ? imageName : o.image).split('/').pop()!;
        name = base.split(':')[0];
      }
      if (o.args?.length) label = `${label} ${o.args.join(' ')}`;
      const cmd = generateCommand(label, imageName, name, { OPT1: o.opt1 ?? '', OPT2: o.opt2 ?? '', OPT3: o.opt3 ?? '', PWD: process.cwd() });
      if (o.display) {
        io.stdout.write(`command: ${['tspod', ...cmd.slice(1)].join(' ')}\n`);
        return 0;
      }
      if (o.replace) await engine.remove(name, { force: true }).catch(() => {});
      const argv = cmd[0] === 'podman' || cmd[0] === '/usr/bin/podman' || cmd[0] === 'tspod' ? [...engine.selfCommand(), ...cmd.slice(1)] : cmd;
      const env = { ...process.env, ...(o.opt1 ? { OPT1: o.opt1 } : {}), ...(o.opt2 ? { OPT2: o.opt2 } : {}), ...(o.opt3 ? { OPT3: o.opt3 } : {}), PODMAN_RUNLABEL_NESTED: '1' };
      const { spawn } = await import('node:child_process');
      const code = await new Promise<number>((res, rej) => {
        const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
        child.on('error', (e) => rej(new TspodError('EXEC', `\`${cmd.join(' ')}\` failed: ${e.message}`)));
        child.on('close', (c, sig) => res(c ?? (sig ? 128 : 125)));
      });
      if (code !== 0) throw new TspodError('RUNLABEL', `\`${cmd.join(' ')}\` failed: exit status ${code}`);
      return 0;
    },
  };
}

async function pull(self: string[], o: RunlabelOptions): Promise<void> {
  const flags = [...(o.quiet ? ['--quiet'] : []), ...(o.authfile ? ['--authfile', o.authfile] : []), ...(o.certDir ? ['--cert-dir', o.certDir] : []),
    ...(o.creds ? ['--creds', o.creds] : []), ...(o.tlsVerify !== undefined ? [`--tls-verify=${o.tlsVerify}`] : [])];
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(self[0], [...self.slice(1), 'pull', ...flags, o.image], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    const lines = (r.stderr ?? '').split('\n');
    process.stderr.write(lines.filter((l) => l && !l.startsWith('Error: ')).map((l) => `${l}\n`).join(''));
    throw new TspodError('PULL', lines.find((l) => l.startsWith('Error: '))?.slice(7) ?? `pulling image "${o.image}" failed`);
  }
}

/** podman's replaceName/replaceImage on each word, then os.Expand with only OPT1..3 and PWD known (others expand to ''). */
export function generateCommand(label: string, image: string, name: string, vars: Record<string, string>): string[] {
  const sub = (arg: string, key: string, val: string) => {
    if (arg === key) return val;
    let a = arg.replaceAll(`$${key}`, val).replaceAll(`\${${key}}`, val);
    if (a.endsWith(`=${key}`)) a = a.replaceAll(`=${key}`, `=${val}`);
    return a;
  };
  const words = shellSplit(label).map((w) => sub(sub(w, 'IMAGE', image), 'NAME', name));
  const expanded = words.join(' ').replace(/\$(\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_, _a, braced?: string, bare?: string) => vars[braced ?? bare!] ?? '');
  return shellSplit(expanded);
}

/** Words as a POSIX shell splits them (google/shlex, as podman): quotes, backslash escapes, # comments. */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '', inWord = false, i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (/\s/.test(ch)) { if (inWord) { out.push(cur); cur = ''; inWord = false; } i++; continue; }
    if (ch === '#' && !inWord) break;
    inWord = true;
    if (ch === '\\') { cur += s[i + 1] ?? ''; i += 2; continue; }
    if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new TspodError('USAGE', 'EOF found when expecting closing quote');
      cur += s.slice(i + 1, end); i = end + 1; continue;
    }
    if (ch === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1])) { cur += s[i + 1]; i += 2; } else cur += s[i++];
      }
      if (i >= s.length) throw new TspodError('USAGE', 'EOF found when expecting closing quote');
      i++; continue;
    }
    cur += ch; i++;
  }
  if (inWord) out.push(cur);
  return out;
}
