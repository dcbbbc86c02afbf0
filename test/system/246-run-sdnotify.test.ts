// @rootless
// --sdnotify=container|conmon|ignore with a real unix datagram socket as NOTIFY_SOCKET (as systemd's for
// Type=notify), what arrives compared with podman 4.3 (runc): conmon mode MAINPID=<conmon pid> and
// READY=1 in one message; container mode MAINPID, the container's NOTIFY_SOCKET /run/notify/notify.sock
// relayed by conmon (READY=1 only); ignore: nothing, and no NOTIFY_SOCKET inside. --systemd=true|false|always:
// podman's systemd mode (tmpfs /run, /run/lock, /tmp, /var/log/journal, container_uuid, stop signal RTMIN+3,
// rootful cgroup v1: /sys/fs/cgroup/systemd writable).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const python = spawnSync('python3', ['-c', 'import socket'], { encoding: 'utf8' }).status === 0;
const { t, f, dir } = containerTests({ scratch: 'tspod-246-', skip: python ? undefined : 'no python3 for the datagram socket' });

// the listener: one JSON line per datagram; "send PATH MSG" on stdin sends one (from a short cwd: paths over 108 bytes)
const LISTENER = `
import socket, sys, json, os, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
print(json.dumps('listening'), flush=True)
def sender():
    for line in sys.stdin:
        _, path, msg = line.rstrip('\\n').split(' ', 2)
        os.chdir(os.path.dirname(path))
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(json.loads(msg).encode(), os.path.basename(path))
threading.Thread(target=sender, daemon=True).start()
while True: print(json.dumps(s.recv(4096).decode()), flush=True)
`;

interface Listener { path: string; messages: string[]; proc: ChildProcess; next(): Promise<string | undefined> }

async function listen(): Promise<Listener> {
  const path = join(dir, `n-${Math.random().toString(16).slice(2, 8)}.sock`);
  const proc = spawn('python3', ['-c', LISTENER, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  proc.stdout!.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      messages.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  let read = 0;
  const next = () => new Promise<string | undefined>((res) => {
    if (messages.length > read) return res(messages[read++]);
    const timer = setTimeout(() => res(undefined), 3000);
    waiters.push(() => { clearTimeout(timer); res(messages[read++]); });
  });
  assert.is(await next(), 'listening');
  return { path, messages, proc, next };
}

const conmonPid = async (name: string) => (await f.tspod(['inspect', '--format', '{{.State.ConmonPid}}', name])).stdout.trim();

t('--sdnotify=conmon: MAINPID=<conmon pid> and READY=1 once the container runs', async () => {
  const l = await listen();
  const name = uniqueName('sdc');
  try {
    const r = await f.tspod(['run', '-d', '--net', 'none', '--name', name, '--sdnotify=conmon', f.image, 'sleep', '30'], { env: { NOTIFY_SOCKET: l.path } });
    assert.is(r.code, 0, r.stderr);
    assert.is(await l.next(), `MAINPID=${await conmonPid(name)}\nREADY=1`);
    // the container itself is given no socket
    const e = await f.tspod(['exec', name, 'sh', '-c', 'echo "[$NOTIFY_SOCKET]"; ls /run/notify 2>&1 | wc -l']);
    assert.is(e.stdout.split('\n')[0], '[]');
  } finally {
    l.proc.kill();
    await f.tspod(['rm', '-f', '-t', '0', name]);
  }
});

t('--sdnotify=container (the default): MAINPID; the container\'s socket at /run/notify, READY=1 relayed by conmon', async () => {
  const l = await listen();
  const name = uniqueName('sdk');
  try {
    const r = await f.tspod(['run', '-d', '--net', 'none', '--name', name, f.image, 'sh', '-c', 'echo $NOTIFY_SOCKET; ls /run/notify; sleep 30'], { env: { NOTIFY_SOCKET: l.path } });
    assert.is(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.is(await l.next(), `MAINPID=${await conmonPid(name)}`);
    const logs = await f.tspod(['logs', name]);
    assert.is(logs.stdout, '/run/notify/notify.sock\nnotify.sock\n');
    // what the container sends on its socket (here from the host side of the bind mount) reaches ours: READY=1 only, as podman's conmon
    l.proc.stdin!.write(`send ${join(f.root, 'containers', id, 'userdata/notify/notify.sock')} ${JSON.stringify('READY=1\nSTATUS=up')}\n`);
    assert.is(await l.next(), 'READY=1');
  } finally {
    l.proc.kill();
    await f.tspod(['rm', '-f', '-t', '0', name]);
  }
});

t('--sdnotify=ignore: nothing sent, no NOTIFY_SOCKET inside; a bad value is podman\'s error', async () => {
  const l = await listen();
  try {
    const r = await f.tspod(['run', '--rm', '--net', 'none', '--sdnotify=ignore', f.image, 'sh', '-c', 'echo "[$NOTIFY_SOCKET]"'], { env: { NOTIFY_SOCKET: l.path } });
    assert.is(r.stdout, '[]\n', r.stderr);
    assert.is(await l.next(), undefined);
  } finally { l.proc.kill(); }
  const bad = await f.tspod(['create', '--sdnotify=foo', f.image, 'true']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, 'Error: invalid config provided: invalid argument: invalid sdnotify value "foo": must be container, conmon or ignore\n');
});

t('a socket nobody listens on: podman\'s error line, the container runs', async () => {
  const r = await f.tspod(['run', '--rm', '--net', 'none', '--sdnotify=conmon', f.image, 'echo', 'ran'], { env: { NOTIFY_SOCKET: join(dir, 'nobody.sock') } });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'ran\n');
  assert.match(r.stderr, /Notifying systemd of Conmon PID: dial unixgram .*nobody\.sock/);
});

t('--systemd=always: podman 4.3\'s systemd mode as the container sees it', async () => {
  const r = await f.tspod(['run', '--rm', '--net', 'none', '--systemd=always', f.image, 'sh', '-c',
    'grep -E " /(run|tmp|var/log/journal|run/lock) " /proc/mounts | cut -d" " -f1-3; echo ${#container_uuid} $container; grep " /sys/fs/cgroup/systemd " /proc/mounts | cut -d" " -f4 | cut -d, -f1']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  for (const d of ['/tmp', '/run', '/run/lock', '/var/log/journal']) assert.ok(lines.includes(`tmpfs ${d} tmpfs`), `${d} in ${r.stdout}`);
  assert.ok(lines.includes('32 podman'), r.stdout);
  const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
  if (!rootless && !existsSync('/sys/fs/cgroup/cgroup.controllers')) assert.is(lines.at(-1), 'rw');
  // a --tmpfs of the user's stays as given
  const own = await f.tspod(['run', '--rm', '--net', 'none', '--systemd=always', '--tmpfs', '/run:size=1m', f.image, 'sh', '-c', 'grep " /run " /proc/mounts']);
  assert.match(own.stdout, /size=1024k/);
});

t('--systemd=true (the default) for /sbin/init or .../systemd: stop signal RTMIN+3 (37) unless given; false or another command: none', async () => {
  const sig = async (args: string[]) => {
    const r = await f.tspod(['create', ...args]);
    assert.is(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const s = (await f.tspod(['inspect', '--format', '{{.Config.StopSignal}}', id])).stdout.trim();
    await f.tspod(['rm', id]);
    return s;
  };
  assert.is(await sig([f.image, '/sbin/init']), '37');
  assert.is(await sig([f.image, '/usr/lib/systemd/systemd']), '37');
  assert.is(await sig(['--stop-signal', 'TERM', f.image, '/sbin/init']), '15');
  assert.is(await sig(['--systemd=false', f.image, '/sbin/init']), '15');
  assert.is(await sig([f.image, 'sleep', '1']), '15');
  const bad = await f.tspod(['create', '--systemd=foo', f.image, 'true']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, 'Error: invalid config provided: --systemd values must be one of "true, false, always": invalid configuration\n');
});

test.run();
