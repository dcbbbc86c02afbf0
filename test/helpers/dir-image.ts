// A small random one-layer image in skopeo's dir: format, written with tar/gzip (no tspod code).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export function makeDirImage(path: string): void {
  const rootfs = mkdtempSync(join(tmpdir(), 'tspod-rootfs-'));
  try {
    writeFileSync(join(rootfs, 'hello'), `hello ${Math.random()}\n`);
    const tar = `tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C ${rootfs} -cf - .`;
    const layer = execFileSync('sh', ['-c', `${tar} | gzip -n`]);
    const diff = execFileSync('sh', ['-c', `${tar} | sha256sum`]).toString().split(' ')[0];
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin', 'A=<b&c>'], Labels: { l: 'v' } },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] }, history: [{ created: '2024-01-01T00:00:00Z' }],
    }));
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, sha(layer)), layer);
    writeFileSync(join(path, sha(config)), config);
    writeFileSync(join(path, 'version'), 'Directory Transport Version: 1.1\n');
    writeFileSync(join(path, 'manifest.json'), JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(layer)}`, size: layer.length }],
    }));
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}
