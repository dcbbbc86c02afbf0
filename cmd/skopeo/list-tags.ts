// skopeo list-tags: the tags of a docker:// repository ({Repository, Tags}); the registry client
// follows Link pagination.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { ImageReference, SystemContext } from '../../lib/transports/types.ts';
import { goJson, imageFlags, retryFlags, skopeoAction, systemContext, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface ListTagsOptions extends SkopeoGlobalOptions {
  repository: string;
  [k: string]: unknown;
}

/** Tags of the repository a docker:// reference names. */
export async function listDockerTags(ref: ImageReference, ctx: SystemContext): Promise<string[]> {
  const dockerRef = ref.dockerReference();
  if (!dockerRef) throw new TspodError('INVALID_REFERENCE', 'listing tags: the reference has no repository');
  // The primary location after registries.conf rewriting (and its insecure setting), as for a push.
  const { pushEndpoint } = await import('../../lib/transports/docker/client.ts');
  const ep = pushEndpoint(dockerRef, ctx);
  const { RegistryClient } = await import('../../lib/registry/client.ts');
  const client = new RegistryClient({ registry: ep.host, insecure: ep.insecure, ctx });
  try {
    return await client.listTags(ep.repo);
  } finally {
    await client.close();
  }
}

export function listTagsCommand(): CommandModule<ListTagsOptions> {
  return {
    command: 'list-tags <repository>',
    describe: 'List tags in the transport/repository specified by the SOURCE-IMAGE',
    builder: (y0) => {
      const y = positionals(y0, 'repository');
      return retryFlags(imageFlags(y, '')).example('$0 skopeo list-tags docker://docker.io/fedora', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const i = opts.repository.indexOf(':');
        const transport = i < 0 ? '' : opts.repository.slice(0, i);
        if (transport !== 'docker') {
          throw new TspodError('INVALID_ARGUMENT', `Invalid source name ${opts.repository}: Unsupported transport '${transport}' for tag listing. Only supported: docker`);
        }
        const { parseImageName } = await import('../../lib/transports/index.ts');
        const ref = await parseImageName(opts.repository);
        const rest = opts.repository.slice(i + 1).replace(/^\/\//, '');
        if (rest.includes('@') || rest.slice(rest.lastIndexOf('/') + 1).includes(':')) {
          throw new TspodError('INVALID_ARGUMENT', `Invalid source name ${opts.repository}: tag or digest not allowed in repository name`);
        }
        const { parseDockerRef } = await import('../../lib/signature/identity.ts');
        const parsed = parseDockerRef(ref.dockerReference() ?? rest);
        const ctx = systemContext(opts, '', io.env);
        const tags = await listDockerTags(ref, ctx);
        io.stdout.write(goJson({ Repository: parsed.name, Tags: tags }) + '\n');
        return 0;
      }, true),
  };
}
