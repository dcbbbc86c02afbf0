// @rootless
// TTY containers behave as a terminal: tspod runs in a real terminal (a tmux pane), keys are typed
// into it and the screen is read back: the pty the container saw, its window size (also after the
// pane is resized), the detach keys, attach, start -ai, exec -it, exit codes, and the caller's terminal
// settings put back after. --sig-proxy without a terminal: signals to tspod reach the container.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFixture, missingFeature, repoRoot, uniqueName, type ContainerFixture } from '../helpers/containers.ts';

const tmuxBin = ['/usr/bin/tmux', '/bin/tmux'].find((p) => existsSync(p));
const skip = missingFeature() ?? (tmuxBin ? undefined : 'no tmux (apt-get install tmux)');
let f: ContainerFixture;
let dir: string;
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  dir = mkdtempSync(join(tmpdir(), 'tspod-tty-'));
});
test.after(async () => {
  if (dir) {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  }
  if (f) await f.cleanup();
});

function tmux(...args: string[]): string {
  const r = spawnSync(tmuxBin!, ['-S', join(dir, 'tmux.sock'), '-f', '/dev/null', ...args], { encoding: 'utf8' });
  return r.stdout;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A pane of 100x30 running `tspod ARGS` in sh; the files it leaves: code (tspod's exit status),
 * before/after (`stty -g` around it, so a terminal left raw shows).
 */
function pane(name: string, args: string[]): { out: (s: string) => string } {
  const cli = ['node', join(repoRoot, 'dist/tspod.js'), '--root', f.root, '--runroot', f.runroot, ...args].map(q).join(' ');
  const p = (s: string) => join(dir, `${name}.${s}`);
  const script = `stty -g > ${p('before')}; ${cli}; echo $? > ${p('code.tmp')}; stty -g > ${p('after')}; mv ${p('code.tmp')} ${p('code')}; exec sleep 600`;
  tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', name, 'sh', '-c', script);
  return { out: p };
}

function screen(name: string): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', name);
}

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, limitMs = 20_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const seen = (name: string, re: RegExp) => until(`${re} on the screen of ${name}:\n${screen(name)}`, () => re.exec(screen(name)));
const exitCode = (p: { out: (s: string) => string }) =>
  until('tspod to end', () => existsSync(p.out('code')) && readFileSync(p.out('code'), 'utf8').trim()).then(Number);
const type = (name: string, line: string) => tmux('send-keys', '-t', name, '-l', line + '\r');

function sameTerminal(p: { out: (s: string) => string }) {
  assert.is(readFileSync(p.out('after'), 'utf8'), readFileSync(p.out('before'), 'utf8'), 'terminal settings restored');
}

async function status(name: string): Promise<string> {
  const r = await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Status}}']);
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim();
}

t('run -it: a pty of its own, the caller\'s window size, resize, exit status, terminal restored', async () => {
  const name = uniqueName('tty');
  const p = pane(name, ['run', '-it', '--rm', '--name', name, f.image, 'sh']);
  await seen(name, /# $/m);
  type(name, 'busybox tty; busybox stty size; echo "TERM=$TERM"');
  await seen(name, /^\/dev\/pts\/0\r?$/m);
  await seen(name, /^30 100\r?$/m);
  await seen(name, /^TERM=xterm\r?$/m);
  tmux('resize-window', '-t', name, '-x', '80', '-y', '20');
  type(name, 'echo size=$(busybox stty size)');
  await seen(name, /^size=20 80\r?$/m);
  type(name, 'exit 3');
  assert.is(await exitCode(p), 3);
  sameTerminal(p);
  assert.is(await status(name), '', '--rm removed it');
});

t('run -it of a command that is not there: 127 and the terminal restored', async () => {
  const name = uniqueName('tty');
  const p = pane(name, ['run', '-it', '--rm', '--name', name, f.image, 'no-such-command']);
  assert.is(await exitCode(p), 127);
  sameTerminal(p);
  await seen(name, /not found/);
});

t('ctrl-p ctrl-q detaches and leaves it running; attach comes back with input and the exit status', async () => {
  const name = uniqueName('tty');
  const p = pane(name, ['run', '-it', '--name', name, f.image, 'sh']);
  await seen(name, /# $/m);
  tmux('send-keys', '-t', name, 'C-p', 'C-q');
  assert.is(await exitCode(p), 0);
  sameTerminal(p);
  assert.match(await status(name), /^Up/);
  const a = pane(`${name}-a`, ['attach', name]);
  type(`${name}-a`, 'echo back-$((40+2))');
  await seen(`${name}-a`, /^back-42\r?$/m);
  type(`${name}-a`, 'exit 5');
  assert.is(await exitCode(a), 5);
  sameTerminal(a);
  assert.match(await status(name), /^Exited \(5\)/);
});

t('--detach-keys: a custom sequence detaches, ctrl-p ctrl-q then goes to the container', async () => {
  const name = uniqueName('tty');
  const p = pane(name, ['run', '-it', '--detach-keys', 'ctrl-x,x', '--name', name, f.image, 'sh']);
  await seen(name, /# $/m);
  tmux('send-keys', '-t', name, 'C-p', 'C-q');
  type(name, 'echo still-$((1+1))');
  await seen(name, /^still-2\r?$/m);
  tmux('send-keys', '-t', name, 'C-x', 'x');
  assert.is(await exitCode(p), 0);
  assert.match(await status(name), /^Up/);
  const r = await f.tspod(['rm', '-f', '-t', '0', name]);
  assert.is(r.code, 0, r.stderr);
});

t('raw while attached: ctrl-c goes to the container\'s foreground process, not to tspod', async () => {
  const name = uniqueName('tty');
  const p = pane(name, ['run', '-it', '--rm', '--name', name, f.image, 'sh']);
  await seen(name, /# $/m);
  type(name, 'sleep 1000');
  await until('sleep to run', async () => (await f.tspod(['exec', name, 'ps'])).stdout.includes('sleep 1000'));
  tmux('send-keys', '-t', name, 'C-c');
  type(name, 'echo after-$((1+2))');
  await seen(name, /^after-3\r?$/m);
  type(name, 'exit');
  assert.is(await exitCode(p), 0);
  sameTerminal(p);
});

t('start -ai: attached to a created TTY container, its exit status', async () => {
  const name = uniqueName('tty');
  const c = await f.tspod(['create', '-it', '--name', name, f.image, 'sh']);
  assert.is(c.code, 0, c.stderr);
  const p = pane(name, ['start', '-ai', name]);
  await seen(name, /# $/m);
  type(name, 'busybox tty; echo size=$(busybox stty size)');
  await seen(name, /^\/dev\/pts\/0\r?$/m);
  await seen(name, /^size=30 100\r?$/m);
  type(name, 'exit 6');
  assert.is(await exitCode(p), 6);
  sameTerminal(p);
});

t('exec -it: a pty of its own with the window size; exit status', async () => {
  const name = uniqueName('tty');
  const d = await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '1000']);
  assert.is(d.code, 0, d.stderr);
  const e = `${name}-e`;
  const p = pane(e, ['exec', '-it', name, 'sh']);
  await seen(e, /# $/m);
  type(e, 'busybox tty; echo size=$(busybox stty size); echo "TERM=$TERM"');
  await seen(e, /^\/dev\/pts\/\d+\r?$/m);
  await seen(e, /^size=30 100\r?$/m);
  await seen(e, /^TERM=xterm\r?$/m);
  tmux('resize-window', '-t', e, '-x', '70', '-y', '15');
  type(e, 'echo size=$(busybox stty size)');
  await seen(e, /^size=15 70\r?$/m);
  type(e, 'exit 4');
  assert.is(await exitCode(p), 4);
  sameTerminal(p);
  const r = await f.tspod(['rm', '-f', '-t', '0', name]);
  assert.is(r.code, 0, r.stderr);
});

t('-t without a terminal around tspod (run, exec, exec -d): the container still gets a pty; without -t it gets none', async () => {
  const r = await f.tspod(['run', '--rm', '-t', f.image, 'busybox', 'tty']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), '/dev/pts/0');
  const n = await f.tspod(['run', '--rm', f.image, 'busybox', 'tty']);
  assert.is(n.code, 1);
  assert.match(n.stdout, /not a tty/);
  const name = uniqueName('tty');
  assert.is((await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '1000'])).code, 0);
  const e = await f.tspod(['exec', '-t', name, 'busybox', 'tty']);
  assert.is(e.code, 0, e.stderr);
  assert.match(e.stdout.trim(), /^\/dev\/pts\/\d+$/);
  const dt = await f.tspod(['exec', '-d', '-t', name, 'sh', '-c', 'busybox tty > /tmp/ttyname.tmp; mv /tmp/ttyname.tmp /tmp/ttyname']);
  assert.is(dt.code, 0, dt.stderr);
  const got = await until('exec -dt to write its tty', async () => {
    const r = await f.tspod(['exec', name, 'cat', '/tmp/ttyname']);
    return r.code === 0 && r.stdout.trim();
  });
  assert.match(got, /^\/dev\/pts\/\d+$/, 'exec -d -t: a pty too');
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

/** Run tspod without a terminal, send it sig once the container said "ready"; its output and status. */
function signalled(args: string[], sig: NodeJS.Signals, ready: () => Promise<unknown> = async () => {}): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/tspod.js'), '--root', f.root, '--runroot', f.runroot, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes('ready')) { sent = true; ready().then(() => child.kill(sig)); }
    });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout }); });
  });
}

const TRAP = 'trap "echo got-usr2; exit 9" USR2; trap "echo got-term; exit 8" TERM; echo ready; while :; do sleep 0.1; done';

t('--sig-proxy (default): signals to tspod reach the container', async () => {
  const r = await signalled(['run', '--rm', f.image, 'sh', '-c', TRAP], 'SIGUSR2');
  assert.is(r.stdout, 'ready\ngot-usr2\n');
  assert.is(r.code, 9);
  const t2 = await signalled(['run', '--rm', f.image, 'sh', '-c', TRAP], 'SIGTERM');
  assert.is(t2.stdout, 'ready\ngot-term\n');
  assert.is(t2.code, 8);
  // start --attach proxies too (podman's sigproxy test: SIGINT)
  const name = uniqueName('sig');
  const c = await f.tspod(['create', '--name', name, f.image, 'sh', '-c', `trap "echo got-int; exit 7" INT; ${TRAP}`]);
  assert.is(c.code, 0, c.stderr);
  const s = await signalled(['start', '--attach', name], 'SIGINT');
  assert.is(s.stdout, 'ready\ngot-int\n');
  assert.is(s.code, 7);
});

t('attach --sig-proxy (default) to a non-TTY container: the signal reaches it', async () => {
  const name = uniqueName('sig');
  const d = await f.tspod(['run', '-d', '--name', name, f.image, 'sh', '-c', 'trap "echo got-usr2; exit 9" USR2; while :; do echo ready; sleep 0.2; done']);
  assert.is(d.code, 0, d.stderr);
  const r = await signalled(['attach', name], 'SIGUSR2');
  assert.match(r.stdout, /^(ready\n)+got-usr2\n$/);
  assert.is(r.code, 9);
});

t('--sig-proxy=false: the signal stays with tspod, the container goes on', async () => {
  const name = uniqueName('sig');
  // signalled once the start is on record (a tspod killed while it writes that is another matter)
  const r = await signalled(['run', '--sig-proxy=false', '--name', name, f.image, 'sh', '-c', TRAP], 'SIGUSR2',
    () => until('running', async () => /^Up/.test(await status(name))));
  assert.is(r.stdout, 'ready\n');
  assert.is(r.signal, 'SIGUSR2');
  const st = await status(name);
  assert.match(st, /^Up/, `${st}: ${(await f.tspod(['logs', name])).stdout}`);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

test.run();
