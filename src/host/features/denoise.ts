import { promises as fs } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { OUTPUT_EXTENSION } from '../../shared/image-formats';
import { newJobId, startJob, type Handlers, type HostContext } from '../host-context';

type DenoiseHandlers = Pick<Handlers, 'denoise:preview' | 'denoise:export' | 'denoise:batch' | 'job:cancel'>;

/** The before/after preview denoises the whole image; larger ones go through a batch job. */
const PREVIEW_MAX_SIDE = 4096;

/** `dir/stem.ext`, or `dir/stem-2.ext`... whichever does not exist yet. */
async function freeFile(dir: string, stem: string, ext: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = join(dir, `${stem}${i === 0 ? '' : `-${i + 1}`}${ext}`);
    if (!(await fs.stat(candidate).catch(() => undefined))) return candidate;
  }
}

export function setupDenoise(ctx: HostContext): DenoiseHandlers {
  const { engine, guard, media, settings } = ctx;
  const checkModel = (dir: string): Promise<string> => guard.checkWithin(dir, [settings.get().modelsDir], 'Model');
  const sigmaOf = (sigma: number | null | undefined): { sigma?: number } => (sigma === null || sigma === undefined ? {} : { sigma });
  return {
    'denoise:preview': async ({ modelDir, file, sigma }) => {
      const out = await engine.request('denoisePreview', { modelDir: await checkModel(modelDir), file: await guard.check(file, 'Image'), maxSide: PREVIEW_MAX_SIDE, ...sigmaOf(sigma) });
      return { before: media.addBlob(out.before), after: media.addBlob(out.after) };
    },

    'denoise:export': async ({ modelDir, file, strength, sigma, format, bitDepth, outDir }) => {
      const dir = await checkModel(modelDir);
      const real = await guard.check(file, 'Image');
      const target = await guard.check(outDir ?? settings.get().outputDir, 'Output folder');
      await fs.mkdir(target, { recursive: true });
      const output = await freeFile(target, `${basename(real, extname(real))}-denoised`, OUTPUT_EXTENSION[format]);
      await engine.request('denoiseExport', { modelDir: dir, file: real, strength, format, ...(bitDepth === null ? {} : { bitDepth }), output, ...sigmaOf(sigma) });
      return { output, download: media.fileUrl(output) };
    },

    'denoise:batch': async ({ modelDir, folder, strength, sigma, format, bitDepth, outDir, recursive }) => {
      const dir = await checkModel(modelDir);
      const input = await guard.check(folder, 'Folder');
      const target = await guard.check(outDir ?? join(settings.get().outputDir, `${basename(input)}-denoised`), 'Output folder');
      const jobId = newJobId();
      startJob(
        ctx,
        jobId,
        engine.request('denoiseBatch', { jobId, modelDir: dir, folder: input, strength, format, ...(bitDepth === null ? {} : { bitDepth }), outDir: target, recursive, ...sigmaOf(sigma) }),
        (r) => ({ jobId, type: 'done', result: { kind: 'denoise', outDir: r.outDir, written: r.written, failed: r.failed } }),
      );
      return { jobId, outDir: target };
    },

    'job:cancel': async ({ jobId }) => {
      await engine.cancel(jobId);
      return null;
    },
  };
}
