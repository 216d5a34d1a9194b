import { basename } from 'node:path';
import type { DatasetInfo } from '../../shared/contract';
import { DenoiseError } from '../../shared/errors';
import type { Handlers, HostContext } from '../host-context';

type DatasetHandlers = Pick<Handlers, 'datasets:scan' | 'datasets:preview' | 'image:open'>;

/** Side of the display copy the Denoise view shows of an opened image. */
const OPEN_MAX_SIDE = 1024;

export function setupDatasets(ctx: HostContext): DatasetHandlers {
  const { engine, guard, media } = ctx;
  return {
    'datasets:scan': async ({ path, recursive }) => {
      const real = await guard.check(path, 'Folder');
      const scan = await engine.request('scan', { path: real, recursive });
      if (scan.images.length === 0) {
        const first = scan.skipped[0];
        const why = first
          ? `${scan.skipped.length} file${scan.skipped.length === 1 ? ' was' : 's were'} skipped (${basename(first.file)}: ${first.message})`
          : scan.subfoldersNotScanned > 0
            ? 'the images are in subfolders that were not searched'
            : 'the folder is empty';
        throw new DenoiseError('E_NO_IMAGES', `No images in ${scan.root}: ${why}`, { skipped: scan.skipped.slice(0, 200) });
      }
      const images = scan.images.map((im) => ({ ...im, thumb: media.thumbUrl(im.path) }));
      const info: DatasetInfo = {
        path: scan.root,
        name: basename(scan.root),
        images,
        skipped: scan.skipped,
        totalBytes: images.reduce((s, im) => s + im.bytes, 0),
        gray: images.filter((im) => im.channels === 1).length,
        color: images.filter((im) => im.channels === 3).length,
        subfoldersNotScanned: scan.subfoldersNotScanned,
      };
      ctx.datasets.set(info.path, info);
      return info;
    },

    'datasets:preview': async ({ file, noise, size, seed }) => {
      const real = await guard.check(file, 'Image');
      const out = await engine.request('corrupt', { file: real, noise, size, seed });
      return { clean: media.addBlob(out.clean), noisy: media.addBlob(out.noisy) };
    },

    'image:open': async ({ path }) => {
      const real = await guard.check(path, 'Image');
      const image = await engine.request('render', { file: real, maxSide: OPEN_MAX_SIDE });
      return { path: real, image: media.addBlob(image) };
    },
  };
}
