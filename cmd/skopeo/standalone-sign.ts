// skopeo standalone-sign: a simple signature for a local manifest file, made with the user's gpg.
import { readFile, writeFile } from 'node:fs/promises';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { skopeoAction, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface StandaloneSignOptions extends SkopeoGlobalOptions {
  manifest: string;
  dockerReference: string;
  fingerprint: string;
  output?: string;
  passphraseFile?: string;
}

export function standaloneSignCommand(): CommandModule<StandaloneSignOptions> {
  return {
    command: 'standalone-sign <manifest> <docker-reference> <fingerprint>',
    describe: 'Create a signature using local files',
    builder: (y0) => {
      const y = positionals(y0, 'manifest', 'docker-reference', 'fingerprint');
      return y
        .option('output', { alias: 'o', type: 'string', describe: 'output the signature to SIGNATURE' })
        .option('passphrase-file', { type: 'string', describe: 'file that contains a passphrase for the --sign-by key' })
        .example('$0 skopeo standalone-sign manifest.json registry.example.com/app:1 FINGERPRINT -o app.sig', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        if (!opts.output) throw new TspodError('INVALID_ARGUMENT', 'Usage: --output|-o SIGNATURE is required');
        const { signSimple } = await import('../../lib/signature/simple.ts');
        const { readPassphraseFile } = await import('../../lib/signature/signer.ts');
        const { parseDockerRef, dockerRefString } = await import('../../lib/signature/identity.ts');
        let manifest: Buffer;
        try {
          manifest = await readFile(opts.manifest);
        } catch (e) {
          throw new TspodError('INVALID_ARGUMENT', `reading ${opts.manifest}: ${(e as Error).message}`);
        }
        const ref = parseDockerRef(opts.dockerReference);
        const passphrase = opts.passphraseFile ? await readPassphraseFile(opts.passphraseFile) : undefined;
        const sig = await signSimple(manifest, dockerRefString(ref), opts.fingerprint, { passphrase, homeDir: io.env.GNUPGHOME });
        await writeFile(opts.output, sig);
        return 0;
      }),
  };
}
