import { basename, join } from 'node:path';
import { newJobId, startJob, type Handlers, type HostContext } from '../host-context';

type DenoiseHandlers = Pick<Handlers, 'denoise:preview' | 'denoise:export' | 'denoise:batch' | 'job:cancel'>;

/** The before/after preview denoises the whole image; larger ones go through a batch job. */
const PREVIEW_MAX_SIDE = 4096;

export function setupDenoise(ctx: HostContext): DenoiseHandlers {
  const { engine, guard, media, settings } = ctx;
  const checkModel = (dir: string): Promise<string> => guard.checkWithin(dir, [settings.get().modelsDir], 'Model');
  const sigmaOf = (sigma: number | null | undefined): { sigma?: number } => (sigma === null || sigma === undefined ? {} : { sigma });
  return {
    'denoise:preview': async ({ modelDir, file, sigma }) => {
      const out = await engine.request('denoisePreview', { modelDir: await checkModel(modelDir), file: await guard.check(file, 'Image'), maxSide: PREVIEW_MAX_SIDE, ...sigmaOf(sigma) });
      return { before: media.addBlob(out.before), after: media.addBlob(out.after), estimatedSigma: out.estimatedSigma ?? null };
    },

    'denoise:export': async ({ modelDir, file, strength, sigma, format, bitDepth, outDir }) => {
      const dir = await checkModel(modelDir);
      const real = await guard.check(file, 'Image');
      const target = await guard.check(outDir ?? settings.get().outputDir, 'Output folder');
      const { output } = await engine.request('denoiseExport', { modelDir: dir, file: real, strength, format, ...(bitDepth === null ? {} : { bitDepth }), outDir: target, ...sigmaOf(sigma) });
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
