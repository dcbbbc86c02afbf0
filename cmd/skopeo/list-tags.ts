// skopeo list-tags: the tags of a docker:// repository ({Repository, Tags}; the registry client
// follows Link pagination), or of every image in a docker-archive: ({Tags}).
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
        const { listTransportNames } = await import('../../lib/transports/index.ts');
        if (!listTransportNames().includes(transport)) throw new TspodError('INVALID_ARGUMENT', `Invalid "${opts.repository}": does not specify a transport`);
        if (transport !== 'docker' && transport !== 'docker-archive') {
          throw new TspodError('INVALID_ARGUMENT', `Unsupported transport '${transport}' for tag listing. Only supported: docker, docker-archive`);
        }
        const ctx = systemContext(opts, '', io.env);
        const { parseImageName } = await import('../../lib/transports/index.ts');
        if (transport === 'docker-archive') {
          const ref = await parseImageName(opts.repository);
          const { listArchiveTags } = await import('../../lib/transports/docker-archive/source.ts');
          const tags = await listArchiveTags(ref as import('../../lib/transports/docker-archive/transport.ts').DockerArchiveReference, ctx);
          io.stdout.write(goJson({ Tags: tags }) + '\n');
          return 0;
        }
        const rest = opts.repository.slice(i + 1);
        if (!rest.startsWith('//')) throw new TspodError('INVALID_ARGUMENT', `docker: image reference ${rest} does not start with docker://`);
        const { parseNamed } = await import('../../lib/reference/parse.ts');
        const named = parseNamed(rest.slice(2));
        if (named.tag || named.digest) throw new TspodError('INVALID_ARGUMENT', 'No tag or digest allowed in reference');
        const ref = await parseImageName(opts.repository);
        let tags: string[];
        try {
          tags = await listDockerTags(ref, ctx);
        } catch (e) {
          if (e instanceof TspodError) throw new TspodError(e.code, `Error listing repository tags: ${e.message}`, { cause: e });
          throw e;
        }
        io.stdout.write(goJson({ Repository: named.name, Tags: tags }) + '\n');
        return 0;
      }), // skopeo list-tags exits 1 for a repository or archive that does not exist
  };
}
