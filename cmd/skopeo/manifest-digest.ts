// skopeo manifest-digest: the digest of a manifest file, as containers/image manifest.Digest.
import { readFile } from 'node:fs/promises';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { skopeoAction, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface ManifestDigestOptions extends SkopeoGlobalOptions {
  manifest: string;
}

export function manifestDigestCommand(): CommandModule<ManifestDigestOptions> {
  return {
    command: 'manifest-digest <manifest>',
    describe: 'Compute a manifest digest of a file',
    builder: (y0) => {
      const y = positionals(y0, 'manifest');
      return y.example('$0 skopeo manifest-digest manifest.json', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        let bytes: Buffer;
        try {
          bytes = await readFile(opts.manifest);
        } catch (e) {
          throw new TspodError('INVALID_ARGUMENT', `reading manifest from ${opts.manifest}: ${(e as Error).message}`);
        }
        const m = JSON.parse(bytes.toString('utf8') || 'null') as { schemaVersion?: number; signatures?: unknown } | null;
        // a signed schema 1 manifest: the digest of its JWS payload, as registries compute it
        const { schema1Digest } = await import('../../lib/oci/schema1.ts');
        const { sha256Digest } = await import('../../lib/oci/digest.ts');
        io.stdout.write((m?.schemaVersion === 1 && m.signatures ? schema1Digest(bytes) : sha256Digest(bytes)) + '\n');
        return 0;
      }),
  };
}
