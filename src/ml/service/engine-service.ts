import { resolve } from 'node:path';
import sharp from 'sharp';
import type { BackendReport } from '../../shared/backend';
import type { EncodedImage, EngineJobEvent, EngineMessage, EngineMethod, EngineParams, EngineResult } from '../../shared/engine-protocol';
import { isEngineRequest } from '../../shared/engine-protocol';
import { DenoiseError, toErrorInfo } from '../../shared/errors';
import { initBackend } from '../backend';
import { decodeImage, DEFAULT_MAX_PIXELS, displaySource } from '../data/decode-image';
import { encodeImageToBuffer } from '../data/encode-image';
import { centerCrop, type FloatImage } from '../data/image';
import { applyModel } from '../infer/apply-model';
import { compareModels } from '../jobs/compare';
import { exploreLab, exploreModelView } from '../jobs/explore';
import { clip01, previewCorruption, scanDataset } from '../jobs/datasets';
import { denoisePreview, denoiseToFile } from '../jobs/denoise';
import { denoiseFiles } from '../jobs/denoise-files';
import { drawSamples, latentPath } from '../jobs/generate';
import { deleteModel, describeModel, exportModel, importModel, listLibrary, renameModel } from '../jobs/models';
import { prepareContinue, prepareNewRun, train } from '../jobs/train';
import { corrupt } from '../data/corruption';
import { Rng } from '../data/rng';
import { describeKind } from '../models/kind-info';
import type { Model } from '../models/model';
import { listModelKinds } from '../models/registry';
import { loadModel, readModelMeta } from '../store/model-files';

/**
 * The engine process's side of the protocol: a thin adapter from protocol messages to the jobs
 * layer (src/ml/jobs), the same functions the CLI calls. What lives here is only what a
 * long-lived process adds: the backend chosen once, one loaded model kept for repeated
 * previews, running jobs that later requests pause or cancel, and images encoded as PNG for
 * the host to serve. This module owns tfjs and sharp; hosts never load them.
 */
type Handler<M extends EngineMethod> = (params: EngineParams<M>) => Promise<EngineResult<M>>;
type Handlers = { [M in EngineMethod]: Handler<M> };

interface Job {
  controller: AbortController;
  paused: boolean;
  wake: (() => void) | null;
}

/** Side of the crop the Train view's samples show. */
const SAMPLE_SIZE = 96;

/** Display encoding of a float image: 8-bit PNG, clipped to [0, 1]. */
async function png(image: FloatImage): Promise<EncodedImage> {
  const bytes = await encodeImageToBuffer(clip01(image), { format: 'png', bitDepth: 8 });
  return { bytes: new Uint8Array(bytes), mime: 'image/png', width: image.width, height: image.height };
}

/** A file downsized for display by sharp (Chromium shows the result; the original may be TIFF or huge). */
async function displayCopy(file: string, maxSide: number, as: 'jpeg' | 'png', maxPixels: number): Promise<EncodedImage> {
  // Camera RAW comes back as its JPEG preview or a half-size development; other files as the path.
  const source = await displaySource(file, { maxPixels });
  try {
    const resized = sharp(source, { limitInputPixels: maxPixels, failOn: 'truncated', autoOrient: true, pages: 1 })
      .timeout({ seconds: 30 })
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb');
    const { data, info } = await (as === 'jpeg' ? resized.jpeg({ quality: 80 }) : resized.png()).toBuffer({ resolveWithObject: true });
    return { bytes: new Uint8Array(data), mime: as === 'jpeg' ? 'image/jpeg' : 'image/png', width: info.width, height: info.height };
  } catch (err) {
    throw new DenoiseError('E_IMAGE_CORRUPT', `${file} could not be read for display (${(err as Error).message})`, { file });
  }
}

export function createEngineService(post: (message: EngineMessage) => void): { handle(message: unknown): void } {
  let backend: Promise<BackendReport> | null = null;
  const jobs = new Map<string, Job>();
  let cached: { dir: string; updatedAt: string; model: Model } | null = null;

  const ensureBackend = (): Promise<BackendReport> => {
    if (!backend) {
      // The host sets DENOISE_BACKEND from the user's setting when it starts this process.
      backend = initBackend({});
      backend.catch(() => {
        backend = null;
      });
    }
    return backend;
  };
  const gpu = async (): Promise<boolean> => (await ensureBackend()).isGpu;

  const emit = (jobId: string, event: EngineJobEvent): void => post({ type: 'event', jobId, event });

  /** One loaded model is kept: previews and exports of the same model should not reload it. */
  const useModel = async (dir: string): Promise<Model> => {
    await ensureBackend();
    const target = resolve(dir);
    const meta = await readModelMeta(target);
    if (cached && cached.dir === target && cached.updatedAt === meta.updatedAt) return cached.model;
    forget(target);
    cached?.model.dispose();
    const loaded = await loadModel(target);
    cached = { dir: target, updatedAt: loaded.meta.updatedAt, model: loaded.model };
    return loaded.model;
  };
  const forget = (dir: string): void => {
    if (cached?.dir !== resolve(dir)) return;
    cached.model.dispose();
    cached = null;
  };

  /** Registers a cancellable job for the duration of `work`. */
  const asJob = async <T>(jobId: string, work: (job: Job) => Promise<T>): Promise<T> => {
    if (jobs.has(jobId)) throw new DenoiseError('E_INVALID_ARGUMENT', `Job ${jobId} is already running`);
    const job: Job = { controller: new AbortController(), paused: false, wake: null };
    jobs.set(jobId, job);
    try {
      return await work(job);
    } finally {
      jobs.delete(jobId);
    }
  };

  const runningJob = (jobId: string): Job => {
    const job = jobs.get(jobId);
    if (!job) throw new DenoiseError('E_NOT_FOUND', 'That job is not running');
    return job;
  };

  const trainJob = async (params: EngineParams<'train'>): Promise<EngineResult<'train'>> => {
    const { jobId, samplesFrom } = params;
    const prepared =
      params.run.type === 'new'
        ? { config: params.run.config, continuing: false }
        : { ...(await prepareContinue(params.run.outDir, params.run.more)), continuing: true };
    if (params.run.type === 'new') await prepareNewRun(prepared.config, { overwrite: params.run.overwrite });
    const report = await ensureBackend();
    return asJob(jobId, async (job) => {
      let source: { clean: EncodedImage; noisy: EncodedImage; input: FloatImage; sigma?: number } | null = null;
      let sampling: Promise<void> | null = null;
      let channels: 1 | 3 | null = null;
      /** Samples are a nicety: a failure here must never disturb the run. */
      const makeSamples = async (dir: string, step: number): Promise<void> => {
        if (!samplesFrom || channels === null) return;
        let model: Model | null = null;
        try {
          if (!source) {
            const clean = centerCrop(await decodeImage(samplesFrom, { channels }), SAMPLE_SIZE);
            const corrupted = corrupt(clean.data, prepared.config.noise, new Rng(prepared.config.seed + 7), { channels });
            const input = { ...clean, data: corrupted.noisy };
            // The sample's own level, for level-aware models (a gaussian sigma, a camera patch's level).
            const sigma = corrupted.sigmas?.[0];
            source = { clean: await png(clean), noisy: await png(input), input, ...(sigma === undefined ? {} : { sigma }) };
          }
          model = (await loadModel(dir)).model;
          const output = await applyModel(model, source.input, { gpu: report.isGpu, ...(source.sigma === undefined ? {} : { sigma: source.sigma }) });
          emit(jobId, { kind: 'samples', step, clean: source.clean, noisy: source.noisy, output: await png(output) });
        } catch {
          // ignored: see above
        } finally {
          model?.dispose();
        }
      };
      const sample = (dir: string, step: number): void => {
        if (sampling) return;
        sampling = makeSamples(dir, step).finally(() => {
          sampling = null;
        });
      };
      const result = await train(prepared.config, prepared.continuing, {
        backend: report.active,
        signal: job.controller.signal,
        onEvent: (event) => {
          if (event.type === 'started') channels = event.dataset.channels;
          emit(jobId, { kind: 'train', event });
          if (event.type === 'checkpoint') sample(event.dir, event.step);
        },
        beforeStep: async () => {
          while (job.paused && !job.controller.signal.aborted) {
            await new Promise<void>((wake) => {
              job.wake = wake;
            });
          }
        },
      });
      // The last samples come from the finished model, once the loop has let go of its tensors.
      await sampling;
      await makeSamples(result.modelDir, result.step);
      return { reason: result.reason, step: result.step, modelDir: result.modelDir };
    });
  };

  const handlers: Handlers = {
    backend: async ({ refresh }) => {
      if (refresh) backend = null;
      return ensureBackend();
    },
    kinds: async () => listModelKinds().map(describeKind),
    scan: async ({ path, recursive }) => scanDataset(path, recursive),
    thumbnail: async ({ file, size }) => displayCopy(file, size, 'jpeg', DEFAULT_MAX_PIXELS),
    render: async ({ file, maxSide }) => displayCopy(file, maxSide, 'png', DEFAULT_MAX_PIXELS),
    corrupt: async ({ file, noise, size, seed }) => {
      const { clean, noisy } = await previewCorruption(file, noise, size, seed);
      return { clean: await png(clean), noisy: await png(noisy) };
    },

    train: trainJob,
    runSettings: async ({ outDir }) => (await prepareContinue(outDir)).config,
    pause: async ({ jobId }) => {
      runningJob(jobId).paused = true;
      emit(jobId, { kind: 'state', state: 'paused' });
      return null;
    },
    resume: async ({ jobId }) => {
      const job = runningJob(jobId);
      job.paused = false;
      job.wake?.();
      job.wake = null;
      emit(jobId, { kind: 'state', state: 'running' });
      return null;
    },
    cancel: async ({ jobId }) => {
      const job = jobs.get(jobId);
      if (!job) return null;
      job.controller.abort();
      job.paused = false;
      job.wake?.();
      emit(jobId, { kind: 'state', state: 'cancelling' });
      return null;
    },

    denoisePreview: async ({ modelDir, file, maxSide, sigma }) => {
      const { before, after, estimatedSigma } = await denoisePreview(await useModel(modelDir), file, maxSide, { gpu: await gpu(), ...(sigma === undefined ? {} : { sigma }) });
      return { before: await png(before), after: await png(after), ...(estimatedSigma === undefined ? {} : { estimatedSigma }) };
    },
    denoiseExport: async ({ modelDir, file, strength, sigma, format, bitDepth, outDir }) => ({
      output: await denoiseToFile(await useModel(modelDir), file, outDir, { gpu: await gpu(), strength, format, bitDepth, modelName: (await readModelMeta(resolve(modelDir))).name, ...(sigma === undefined ? {} : { sigma }) }),
    }),
    denoiseBatch: async ({ jobId, modelDir, folder, strength, sigma, format, bitDepth, outDir, recursive }) =>
      asJob(jobId, async (job) => {
        const report = await denoiseFiles(await useModel(modelDir), folder, {
          gpu: await gpu(),
          modelName: (await readModelMeta(resolve(modelDir))).name,
          outDir,
          format,
          bitDepth,
          strength,
          ...(sigma === undefined ? {} : { sigma }),
          recursive,
          signal: job.controller.signal,
          onFile: (done, total, file) => emit(jobId, { kind: 'progress', done, total, file }),
        });
        return { outDir, written: report.written.length, failed: report.failed };
      }),

    models: async ({ root }) => listLibrary(root),
    modelRename: async ({ dir, name }) => {
      forget(dir);
      return renameModel(dir, name);
    },
    modelDelete: async ({ dir }) => {
      forget(dir);
      await deleteModel(dir);
      return null;
    },
    modelImport: async ({ src, root }) => {
      await ensureBackend();
      return importModel(src, root);
    },
    modelExport: async ({ dir, dest }) => ({ path: await exportModel(dir, dest) }),
    modelShow: async ({ dir }) => describeModel(resolve(dir), await readModelMeta(dir)),

    compare: async ({ jobId, dirs, dataset, noise, seed }) =>
      asJob(jobId, async (job) =>
        compareModels(dirs, dataset, {
          gpu: await gpu(),
          noise,
          seed,
          signal: job.controller.signal,
          onModel: (done, total, dir) => emit(jobId, { kind: 'progress', done, total, file: dir }),
        }),
      ),
    exploreLab: async ({ jobId, request }) => {
      await ensureBackend();
      return asJob(jobId, async (job) => exploreLab(request, { signal: job.controller.signal, onFrame: (frame) => emit(jobId, { kind: 'explore', frame }) }));
    },
    exploreModel: async ({ modelDir, view, images, image, sigma, seed }) => {
      await ensureBackend();
      const out = await exploreModelView({ modelDir, view, sigma, seed, ...(images ? { imagesDir: images } : {}), ...(image ? { image } : {}) });
      return { image: { bytes: out.png, mime: 'image/png', width: out.width, height: out.height }, summary: out.summary };
    },
    generate: async ({ modelDir, count, seed, temperature }) => Promise.all((await drawSamples(await useModel(modelDir), { count, seed, temperature })).map(png)),
    interpolate: async ({ modelDir, a, b, steps }) => {
      const model = await useModel(modelDir);
      const { frames, ends } = await latentPath(model, await decodeImage(a, { channels: model.spec.channels }), await decodeImage(b, { channels: model.spec.channels }), { steps });
      return Promise.all([ends[0], ...frames, ends[1]].map(png));
    },
  };

  return {
    handle(message: unknown): void {
      if (!isEngineRequest(message)) {
        // A request this engine does not know still gets an answer: a host must never wait forever.
        const id = (message as { id?: unknown } | null)?.id;
        const method = String((message as { method?: unknown } | null)?.method ?? '').slice(0, 64);
        if (typeof id === 'number') post({ type: 'reply', id, result: { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: `The engine has no method "${method}"` } } });
        return;
      }
      const { id, method, params } = message;
      const handler = handlers[method] as (p: unknown) => Promise<unknown>;
      handler(params).then(
        (value) => post({ type: 'reply', id, result: { ok: true, value } }),
        (err: unknown) => post({ type: 'reply', id, result: { ok: false, error: toErrorInfo(err) } }),
      );
    },
  };
}
