import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePlatform, selectPlatform } from '../../../lib/oci/platform.ts';
import type { Descriptor } from '../../../lib/oci/types.ts';

const d = (architecture: string, variant?: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + architecture.padEnd(64, '0').slice(0, 64), size: 1,
  platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
});

test('parsePlatform splits os/arch/variant', () => {
  assert.equal(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.equal(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
});

test('selectPlatform picks the wanted architecture and refuses a missing one', () => {
  const list = [d('amd64'), d('arm64', 'v8')];
  assert.is(selectPlatform(list, { architecture: 'arm64' })?.platform?.architecture, 'arm64');
  assert.is(selectPlatform(list, { architecture: 'amd64' })?.platform?.architecture, 'amd64');
  assert.is(selectPlatform(list, { architecture: 's390x' }), undefined);
});

test.run();
