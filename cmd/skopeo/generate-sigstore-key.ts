// skopeo generate-sigstore-key: a cosign-compatible key pair, PREFIX.key (encrypted) and PREFIX.pub.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { skopeoAction, type SkopeoGlobalOptions } from './shared.ts';

export interface GenerateSigstoreKeyOptions extends SkopeoGlobalOptions {
  outputPrefix?: string;
  passphraseFile?: string;
}

/** Create a file that must not exist yet (never overwrite a key). */
async function createNew(path: string, data: string, mode: number): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'wx', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new TspodError('INVALID_ARGUMENT', `refusing to overwrite existing "${path}"`);
    throw new TspodError('INVALID_ARGUMENT', `creating "${path}": ${(e as Error).message}`);
  }
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

export function generateSigstoreKeyCommand(): CommandModule<GenerateSigstoreKeyOptions> {
  return {
    command: 'generate-sigstore-key',
    describe: 'Generate a sigstore public/private key pair',
    builder: (y) =>
      y
        .option('output-prefix', { type: 'string', describe: 'Write the keys to PREFIX.pub and PREFIX.key' })
        .option('passphrase-file', { type: 'string', describe: 'Read a passphrase for the private key from PATH' })
        .example('$0 skopeo generate-sigstore-key --output-prefix mykey --passphrase-file pass.txt', ''),
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        if (!opts.outputPrefix) throw new TspodError('INVALID_ARGUMENT', '--output-prefix must be specified');
        if (!opts.passphraseFile) throw new TspodError('INVALID_ARGUMENT', '--passphrase-file must be specified (tspod does not prompt)');
        const { readPassphraseFile } = await import('../../lib/signature/signer.ts');
        const { generateSigstoreKeyPair } = await import('../../lib/signature/sigstore.ts');
        const passphrase = await readPassphraseFile(opts.passphraseFile);
        const pair = await generateSigstoreKeyPair(Buffer.from(passphrase));
        const priv = `${opts.outputPrefix}.key`;
        const pub = `${opts.outputPrefix}.pub`;
        for (const p of [priv, pub]) if (existsSync(p)) throw new TspodError('INVALID_ARGUMENT', `refusing to overwrite existing "${p}"`);
        await createNew(priv, pair.privateKey, 0o600);
        await createNew(pub, pair.publicKey, 0o644);
        io.stdout.write(`Key written to "${priv}" and "${pub}"\n`);
        return 0;
      }),
  };
}
