// tspod system df (podman-system-df(1)): disk usage of images, containers and volumes, as podman 4.3
// counts and prints it (lib/storage/usage.ts). --format json prints the rows as a JSON array (podman
// 4.3 printed the word "json" once per row); {{json .}} prints one object per row, as podman.
import type { CommandModule } from '../types.ts';

interface DfOptions { format?: string; verbose?: boolean }

export function dfCommand(): CommandModule<DfOptions> {
  return {
    command: 'df',
    describe: 'Show tspod disk usage',
    builder: (y) => y
      .option('format', { type: 'string', describe: 'Pretty-print images using a Go template' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show detailed information on disk usage' })
      .example('$0 system df', '')
      .example('$0 system df -v', '')
      .example("$0 system df --format '{{.Type}} {{.RawReclaimable}}'", ''),
    handler: async (o, io) => {
      const { openImageStore, humanDuration } = await import('../image/shared.ts');
      const { openEngine } = await import('../container/shared.ts');
      const { storagePaths } = await import('../../lib/config/paths.ts');
      const u = await import('../../lib/storage/usage.ts');
      const store = await openImageStore(o);
      const engine = await openEngine(o);
      const images = await u.imageUsage(store);
      const containers = u.containerUsage(await engine.list(), (id) => engine.upperDir(id));
      const volumes = await u.volumeUsage(storagePaths(o).graphRoot);
      const { formatList } = await import('../shared/format.ts');
      const now = Date.now();
      const ago = (iso: string) => humanDuration(Math.max(0, now - Date.parse(iso)));

      if (o.verbose) {
        const imageRows = images.map((i) => ({
          Repository: i.repository, Tag: i.tag, ImageID: i.id.slice(0, 12), Created: ago(i.created), Size: u.goHumanSize(i.size),
          SharedSize: u.goHumanSize(i.sharedSize), UniqueSize: u.goHumanSize(i.uniqueSize), Containers: i.containers,
        }));
        const containerRows = containers.map((c) => ({
          ContainerID: c.id.slice(0, 12), Image: c.imageId.slice(0, 12), Command: c.command.join(' '), LocalVolumes: c.localVolumes,
          RWSize: u.goHumanSize(c.rwSize), Created: ago(c.created), Status: c.status, Names: c.names,
        }));
        const volumeRows = volumes.map((v) => ({ VolumeName: v.name, Links: v.links, Size: u.goHumanSize(v.size) }));
        let out = 'Images space usage:\n\n';
        out += await formatList('table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
          imageRows, '', { headers: { ImageID: 'IMAGE ID', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE' }, name: 'df' });
        out += '\nContainers space usage:\n\n';
        out += await formatList('table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.RWSize}}\t{{.Created}}\t{{.Status}}\t{{.Names}}',
          containerRows, '', { headers: { ContainerID: 'CONTAINER ID', LocalVolumes: 'LOCAL VOLUMES', RWSize: 'SIZE' }, name: 'df' });
        out += '\nLocal Volumes space usage:\n\n';
        out += await formatList('table {{.VolumeName}}\t{{.Links}}\t{{.Size}}', volumeRows, '', { headers: { VolumeName: 'VOLUME NAME' }, name: 'df' });
        io.stdout.write(out);
        return 0;
      }

      const { asStruct, withJsonForm, renderTemplate } = await import('../../lib/template/index.ts');
      const rows = u.summarize(images, containers, volumes).map((s) => asStruct(withJsonForm({
        Type: s.type, Total: s.total, Active: s.active, RawSize: s.size, RawReclaimable: s.reclaimable,
        Size: u.goHumanSize(s.size), Reclaimable: u.reclaimableText(s),
      }, { Type: s.type, Total: s.total, Active: s.active, Size: s.size, Reclaimable: s.reclaimable }), '*system.dfSummary'));
      const { isJsonFormat } = await import('../shared/format.ts');
      if (o.format !== undefined && isJsonFormat(o.format) && o.format.trim() !== 'json') {
        // podman 4.3 renders {{json .}} per row, as any other template
        io.stdout.write(rows.map((r) => renderTemplate(o.format!, r, { name: 'df' }).replace(/\n?$/, '\n')).join(''));
        return 0;
      }
      io.stdout.write(await formatList(o.format, rows, 'table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}', { name: 'df' }));
      return 0;
    },
  };
}
