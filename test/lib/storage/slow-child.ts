// Child for the kill -9 test: stores an image whose one layer arrives slowly, and never finishes in time.
import { Readable } from 'node:stream';
import { containersStorageTransport } from '../../../lib/transports/containers-storage/transport.ts';
import { sha256Digest } from '../../../lib/oci/digest.ts';
import { makeTar } from '../layer/make-tar.ts';

const [root] = process.argv.slice(2);
const tar = makeTar([{ name: 'big', content: Buffer.alloc(8 << 20, 7) }]);
async function* slow() {
  for (let i = 0; i < tar.length; i += 64 * 1024) {
    yield tar.subarray(i, i + 64 * 1024);
    await new Promise((r) => setTimeout(r, 30));
  }
}
const dest = await containersStorageTransport.parseReference(`[${root}+${root}/run]localhost/slow:1`).newImageDestination({});
await dest.putBlob(Readable.from(slow()), { digest: sha256Digest(tar), size: tar.length }, { isConfig: false, layerIndex: 0 });
