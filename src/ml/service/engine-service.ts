import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { KindInfo, ModelInfo, ModelList, SkippedInfo } from '../../shared/contract';
import type { EncodedImage, EngineJobEvent, EngineMessage, EngineMethod, EngineMethods, EngineParams, EngineResult, ScannedImage } from '../../shared/engine-protocol';
import { isEngineRequest } from '../../shared/engine-protocol';
import { DenoiseError, toErrorInfo } from '../../shared/errors';
import type { TrainConfig } from '../../shared/training';
import { initBackend } from '../backend';
import type { BackendReport } from '../../shared/backend';
import { corrupt } from '../data/corruption';
import { assertWithinPixelLimit, decodeImage, DEFAULT_MAX_PIXELS, readImageInfo } from '../data/decode-image';
import { encodeImage, encodeImageToBuffer } from '../data/encode-image';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { relativeImageName, scanImageFolder } from '../data/scan-folder';
import { applyModel } from '../infer/apply-model';
import { denoiseFiles } from '../jobs/denoise-files';
import { evaluateModel } from '../jobs/evaluate';
import type { Model } from '../models/model';
import { getModelDefinition, listModelKinds } from '../models/registry';
import { writeDirAtomic, writeFileAtomic } from '../store/atomic-write';
import { deleteModel, listModels, loadModel, META_FILE, readModelMeta } from '../store/model-files';
import type { ModelMeta } from '../store/model-meta';
import { CHECKPOINTS_DIR, findLatestCheckpoint } from '../train/checkpoints';
import { runTraining } from '../train/train-run';
import { describeKind } from './kind-descriptors';

/**
 * The engine process's side of the protocol: each request runs one engine job and replies with
 * a Result; long jobs (training, batch denoising, comparisons) stream events under their job id
 * and can be paused or cancelled by later requests, which are served between training steps.
 * This module owns tfjs and sharp; hosts (Electron main, the web server) never load them.
 */
type Handler<M extends EngineMethod> = (params: EngineParams<M>) => Promise<EngineResult<M>>;
type Handlers = { [M in EngineMethod]: Handler<M> };

interface Job {
  controller: AbortController;
  paused: boolean;
  wake: (() => void) | null;
}

const THUMB_MAX_PIXELS = DEFAULT_MAX_PIXELS;
const MODEL_NAME = /^[\w][\w .()-]{0,63}$/;

/** Display encoding of a float image: 8-bit PNG. */
async function png(image: FloatImage): Promise<EncodedImage> {
  const bytes = await encodeImageToBuffer(image, { format: 'png', bitDepth: 8 });
  return { bytes: new Uint8Array(bytes), mime: 'image/png', width: image.width, height: image.height };
}

function centerCrop(image: FloatImage, size: number): FloatImage {
  const w = Math.min(size, image.width);
  const h = Math.min(size, image.height);
  const x0 = Math.floor((image.width - w) / 2);
  const y0 = Math.floor((image.height - h) / 2);
  const c = image.channels;
  const data = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * image.width + x0) * c;
    data.set(image.data.subarray(src, src + w * c), y * w * c);
  }
  return { width: w, height: h, channels: c, data, bitDepth: image.bitDepth };
}

function clip01(image: FloatImage): FloatImage {
  return { ...image, data: image.data.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v)) };
}

async function tensorToImages(batch: tf.Tensor4D): Promise<FloatImage[]> {
  const [n, h, w, c] = batch.shape;
  const values = (await batch.data()) as Float32Array;
  const out: FloatImage[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ width: w, height: h, channels: c === 1 ? 1 : 3, bitDepth: 8, data: values.slice(i * h * w * c, (i + 1) * h * w * c) });
  }
  return out;
}

async function listCheckpointSteps(dir: string): Promise<number[]> {
  const entries = await fs.readdir(join(dir, CHECKPOINTS_DIR)).catch(() => [] as string[]);
  return entries
    .map((e) => /^ckpt-(\d+)$/.exec(e)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
}

export function createEngineService(post: (message: EngineMessage) => void): { handle(message: unknown): void } {
  let backend: Promise<BackendReport> | null = null;
  let kinds: KindInfo[] | null = null;
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
  const backendName = async (): Promise<string> => (await ensureBackend()).active;

  const emit = (jobId: string, event: EngineJobEvent): void => post({ type: 'event', jobId, event });

  const kindList = async (): Promise<KindInfo[]> => {
    await ensureBackend();
    kinds ??= listModelKinds().map(describeKind);
    return kinds;
  };

  /** One loaded model is kept: previews and exports of the same model should not reload it. */
  const useModel = async (dir: string): Promise<Model> => {
    await ensureBackend();
    const meta = await readModelMeta(dir);
    const target = resolve(dir);
    if (cached && cached.dir === target && cached.updatedAt === meta.updatedAt) return cached.model;
    cached?.model.dispose();
    cached = null;
    const loaded = await loadModel(target);
    cached = { dir: target, updatedAt: loaded.meta.updatedAt, model: loaded.model };
    return loaded.model;
  };

  const newJob = (jobId: string): Job => {
    if (jobs.has(jobId)) throw new DenoiseError('E_INVALID_ARGUMENT', `Job ${jobId} is already running`);
    const job: Job = { controller: new AbortController(), paused: false, wake: null };
    jobs.set(jobId, job);
    return job;
  };

  const toModelInfo = async (dir: string, meta: ModelMeta): Promise<ModelInfo> => {
    const generative = (await kindList()).find((k) => k.kind === meta.spec.kind)?.generative ?? false;
    return {
      dir,
      name: meta.name,
      kind: meta.spec.kind,
      channels: meta.spec.channels,
      options: meta.spec.options,
      createdAt: meta.createdAt,
      updatedAt: meta.updatedAt,
      backend: meta.backend,
      generative,
      training: meta.training
        ? {
            noise: meta.training.noise,
            steps: meta.training.steps,
            epochs: meta.training.epochs,
            elapsedMs: meta.training.elapsedMs,
            stopReason: meta.training.stopReason,
            trainImages: meta.training.dataset.trainImages,
            valImages: meta.training.dataset.valImages,
          }
        : null,
      metrics: meta.metrics,
      checkpoints: await listCheckpointSteps(dir),
    };
  };

  const uniqueDir = async (parent: string, name: string): Promise<string> => {
    for (let i = 0; ; i++) {
      const candidate = join(parent, i === 0 ? name : `${name}-${i + 1}`);
      if (!(await fs.stat(candidate).catch(() => undefined))) return candidate;
    }
  };

  const copyModel = async (src: string, dest: string, withCheckpoints: boolean): Promise<void> => {
    await writeDirAtomic(dest, async (tmp) => {
      await fs.cp(src, tmp, {
        recursive: true,
        filter: (from) => withCheckpoints || basename(from) !== CHECKPOINTS_DIR,
      });
    });
  };

  const setMetaName = async (dir: string, name: string): Promise<void> => {
    const raw = JSON.parse(await fs.readFile(join(dir, META_FILE), 'utf8')) as Record<string, unknown>;
    await writeFileAtomic(join(dir, META_FILE), JSON.stringify({ ...raw, name }, null, 2));
  };

  const generativeOf = async (dir: string): Promise<NonNullable<Model['generative']>> => {
    const model = await useModel(dir);
    if (!model.generative) {
      throw new DenoiseError('E_MODEL_INCOMPATIBLE', `${basename(dir)} is a ${model.spec.kind} model; only generative models (VAE) can make new images`);
    }
    return model.generative;
  };

  const handlers: Handlers = {
    backend: async ({ refresh }) => {
      if (refresh) {
        backend = null;
        kinds = null;
      }
      return ensureBackend();
    },

    kinds: async () => kindList(),

    scan: async ({ path, recursive }) => {
      const scan = await scanImageFolder(path, { recursive });
      const images: ScannedImage[] = [];
      const skipped: SkippedInfo[] = scan.skipped.map((s) => ({ file: s.file, code: s.code, message: s.message }));
      // Headers only (no pixels), a few at a time: thousands of files scan in seconds.
      const found: (ScannedImage | SkippedInfo)[] = new Array(scan.files.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < scan.files.length; i = next++) {
          const file = scan.files[i] as string;
          try {
            const info = await readImageInfo(file, { root: scan.root });
            found[i] = { path: file, name: relativeImageName(scan.root, file), width: info.width, height: info.height, channels: info.channels, bytes: info.fileBytes };
          } catch (err) {
            const e = toErrorInfo(err);
            found[i] = { file, code: e.code, message: e.message };
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      for (const entry of found) {
        if ('path' in entry) images.push(entry);
        else skipped.push(entry);
      }
      return { root: scan.root, images, skipped, subfoldersNotScanned: scan.subfoldersNotScanned };
    },

    thumbnail: async ({ file, size }) => {
      const info = await readImageInfo(file);
      assertWithinPixelLimit(info, THUMB_MAX_PIXELS);
      try {
        const { data, info: out } = await sharp(file, { limitInputPixels: THUMB_MAX_PIXELS, failOn: 'truncated', autoOrient: true, pages: 1 })
          .timeout({ seconds: 30 })
          .resize(size, size, { fit: 'inside', withoutEnlargement: true })
          .toColourspace('srgb')
          .jpeg({ quality: 80 })
          .toBuffer({ resolveWithObject: true });
        return { bytes: new Uint8Array(data), mime: 'image/jpeg', width: out.width, height: out.height };
      } catch (err) {
        throw new DenoiseError('E_IMAGE_CORRUPT', `${file} could not be read for a preview (${(err as Error).message})`, { file });
      }
    },

    render: async ({ file, maxSide }) => {
      const info = await readImageInfo(file);
      assertWithinPixelLimit(info);
      const { data, info: out } = await sharp(file, { limitInputPixels: DEFAULT_MAX_PIXELS, failOn: 'truncated', autoOrient: true, pages: 1 })
        .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .png()
        .toBuffer({ resolveWithObject: true });
      return { bytes: new Uint8Array(data), mime: 'image/png', width: out.width, height: out.height };
    },

    corrupt: async ({ file, noise, size, seed }) => {
      const clean = centerCrop(await decodeImage(file), size);
      const noisy = corrupt(clean.data, noise, new Rng(seed), { channels: clean.channels }).noisy;
      return { clean: await png(clean), noisy: await png(clip01({ ...clean, data: noisy })) };
    },

    train: async ({ jobId, config, resume, samplesFrom }) => {
      const definition = getModelDefinition(config.kind);
      const multiple = definition.patchMultiple?.(definition.resolveOptions(config.modelOptions)) ?? 4;
      if (config.patchSize % multiple !== 0) {
        throw new DenoiseError('E_INVALID_ARGUMENT', `A ${config.kind} model with these options needs a patch size that is a multiple of ${multiple}; ${config.patchSize} is not`);
      }
      const job = newJob(jobId);
      const backendNow = await backendName();
      let sampleSource: { clean: FloatImage; noisy: FloatImage; cleanPng: EncodedImage; noisyPng: EncodedImage } | null = null;
      let sampling = false;
      let channels: 1 | 3 | null = null;

      const makeSamples = async (dir: string, step: number): Promise<void> => {
        if (sampling || !samplesFrom || channels === null) return;
        sampling = true;
        let model: Model | null = null;
        try {
          if (!sampleSource) {
            const clean = centerCrop(await decodeImage(samplesFrom, { channels }), 96);
            const noisy = { ...clean, data: corrupt(clean.data, config.noise, new Rng(config.seed + 7), { channels }).noisy };
            sampleSource = { clean, noisy, cleanPng: await png(clean), noisyPng: await png(clip01(noisy)) };
          }
          model = (await loadModel(dir)).model;
          const output = await applyModel(model, sampleSource.noisy, { backend: backendNow });
          emit(jobId, { kind: 'samples', step, clean: sampleSource.cleanPng, noisy: sampleSource.noisyPng, output: await png(output) });
        } catch {
          // Samples are a nicety: a failure here must never disturb the run.
        } finally {
          model?.dispose();
          sampling = false;
        }
      };

      try {
        const result = await runTraining(config, {
          backend: backendNow,
          signal: job.controller.signal,
          resume,
          onEvent: (event) => {
            if (event.type === 'started') channels = event.dataset.channels;
            emit(jobId, { kind: 'train', event });
            if (event.type === 'checkpoint') void makeSamples(event.dir, event.step);
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
        while (sampling) await new Promise((r) => setTimeout(r, 20));
        await makeSamples(result.modelDir, result.step);
        return { reason: result.reason, step: result.step, modelDir: result.modelDir };
      } finally {
        jobs.delete(jobId);
      }
    },

    runConfig: async ({ modelDir }) => {
      const found = await findLatestCheckpoint<{ config?: TrainConfig }>(modelDir);
      if (!found.state.config) throw new DenoiseError('E_CHECKPOINT_CORRUPT', `${found.dir} does not record its training settings`);
      return found.state.config;
    },

    pause: async ({ jobId }) => {
      const job = jobs.get(jobId);
      if (!job) throw new DenoiseError('E_NOT_FOUND', 'That run is not running');
      job.paused = true;
      emit(jobId, { kind: 'state', state: 'paused' });
      return null;
    },

    unpause: async ({ jobId }) => {
      const job = jobs.get(jobId);
      if (!job) throw new DenoiseError('E_NOT_FOUND', 'That run is not running');
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

    denoisePreview: async ({ modelDir, file, maxSide }) => {
      const model = await useModel(modelDir);
      const image = await decodeImage(file, { channels: model.spec.channels });
      if (Math.max(image.width, image.height) > maxSide) {
        throw new DenoiseError('E_IMAGE_TOO_LARGE', `${basename(file)} is ${image.width} x ${image.height}; the preview handles up to ${maxSide} px a side. Denoise it with a batch job instead.`);
      }
      const output = await applyModel(model, image, { backend: await backendName() });
      return { before: await png(image), after: await png(output) };
    },

    denoiseExport: async ({ modelDir, file, strength, format, bitDepth, output }) => {
      const model = await useModel(modelDir);
      const image = await decodeImage(file, { channels: model.spec.channels });
      const result = await applyModel(model, image, { backend: await backendName(), strength });
      await fs.mkdir(dirname(output), { recursive: true });
      await encodeImage(result, output, { format, bitDepth });
      return { output };
    },

    denoiseBatch: async ({ jobId, modelDir, folder, strength, format, bitDepth, outDir, recursive }) => {
      const job = newJob(jobId);
      try {
        const model = await useModel(modelDir);
        const report = await denoiseFiles(model, folder, {
          backend: await backendName(),
          outDir,
          format,
          bitDepth,
          strength,
          recursive,
          signal: job.controller.signal,
          onFile: (done, total, file) => emit(jobId, { kind: 'progress', done, total, file }),
        });
        return { outDir, written: report.written.length, failed: report.failed };
      } finally {
        jobs.delete(jobId);
      }
    },

    models: async ({ root }) => {
      const listing = await listModels(root);
      const result: ModelList = { models: [], broken: [] };
      for (const entry of listing) {
        if (entry.meta) result.models.push(await toModelInfo(entry.dir, entry.meta));
        else if (entry.error) result.broken.push({ dir: entry.dir, error: toErrorInfo(new DenoiseError(entry.error.code as never, entry.error.message)) });
      }
      return result;
    },

    modelRename: async ({ dir, name }) => {
      if (!MODEL_NAME.test(name)) {
        throw new DenoiseError('E_INVALID_ARGUMENT', 'A model name uses letters, digits, spaces, dots, dashes and underscores (up to 64), and starts with a letter or digit');
      }
      await readModelMeta(dir);
      const target = join(dirname(resolve(dir)), name);
      if (target !== resolve(dir)) {
        if (await fs.stat(target).catch(() => undefined)) throw new DenoiseError('E_INVALID_ARGUMENT', `A model named "${name}" already exists`);
        await fs.rename(dir, target);
      }
      await setMetaName(target, name);
      if (cached?.dir === resolve(dir)) {
        cached.model.dispose();
        cached = null;
      }
      return toModelInfo(target, await readModelMeta(target));
    },

    modelDelete: async ({ dir }) => {
      if (cached?.dir === resolve(dir)) {
        cached.model.dispose();
        cached = null;
      }
      await deleteModel(dir);
      return null;
    },

    modelImport: async ({ src, root }) => {
      const meta = await readModelMeta(src);
      getModelDefinition(meta.spec.kind);
      await ensureBackend();
      (await loadModel(src)).model.dispose(); // the weights must read back whole before anything is copied
      await fs.mkdir(root, { recursive: true });
      const dest = await uniqueDir(root, basename(resolve(src)));
      await copyModel(src, dest, false);
      // The library shows one name per model: the copy is named after its (unique) folder.
      await setMetaName(dest, basename(dest));
      return toModelInfo(dest, await readModelMeta(dest));
    },

    modelExport: async ({ dir, dest }) => {
      await readModelMeta(dir);
      await fs.mkdir(dest, { recursive: true });
      const target = await uniqueDir(dest, basename(resolve(dir)));
      await copyModel(dir, target, false);
      return { path: target };
    },

    compare: async ({ jobId, dirs, dataset, noise, seed }) => {
      const job = newJob(jobId);
      const backendNow = await backendName();
      const rows: EngineResult<'compare'>['rows'] = [];
      const failed: EngineResult<'compare'>['failed'] = [];
      try {
        for (const [i, dir] of dirs.entries()) {
          if (job.controller.signal.aborted) throw new DenoiseError('E_CANCELLED', 'Comparison cancelled');
          emit(jobId, { kind: 'progress', done: i, total: dirs.length, file: basename(dir) });
          let loaded: { model: Model; meta: ModelMeta } | null = null;
          try {
            loaded = await loadModel(dir);
            const report = await evaluateModel(loaded.model, dataset, { backend: backendNow, noise, seed, signal: job.controller.signal });
            rows.push({ dir, name: loaded.meta.name, psnr: report.psnr, ssim: report.ssim, noisyPsnr: report.noisyPsnr, noisySsim: report.noisySsim, images: report.images.length });
          } catch (err) {
            if (err instanceof DenoiseError && err.code === 'E_CANCELLED') throw err;
            failed.push({ dir, error: toErrorInfo(err) });
          } finally {
            loaded?.model.dispose();
          }
        }
        emit(jobId, { kind: 'progress', done: dirs.length, total: dirs.length, file: '' });
        return { rows, failed };
      } finally {
        jobs.delete(jobId);
      }
    },

    generate: async ({ modelDir, count, seed, temperature }) => {
      const generative = await generativeOf(modelDir);
      const batch = generative.sample(count, seed, temperature);
      try {
        return await Promise.all((await tensorToImages(batch)).map((im) => png(clip01(im))));
      } finally {
        batch.dispose();
      }
    },

    interpolate: async ({ modelDir, a, b, steps }) => {
      const generative = await generativeOf(modelDir);
      const model = await useModel(modelDir);
      const size = generative.imageSize;
      const load = async (file: string): Promise<Float32Array> => {
        const image = await decodeImage(file, { channels: model.spec.channels });
        const { data } = await sharp(await encodeImageToBuffer(image, { format: 'png', bitDepth: 8 }))
          .resize(size, size, { fit: 'cover' })
          .toColourspace(model.spec.channels === 1 ? 'b-w' : 'srgb')
          .raw()
          .toBuffer({ resolveWithObject: true });
        const out = new Float32Array(size * size * model.spec.channels);
        const bands = data.length / (size * size);
        for (let p = 0; p < size * size; p++) for (let k = 0; k < model.spec.channels; k++) out[p * model.spec.channels + k] = (data[p * bands + k] ?? 0) / 255;
        return out;
      };
      const pair = new Float32Array([...(await load(a)), ...(await load(b))]);
      const frames = tf.tidy(() => {
        const { mean } = generative.encode(tf.tensor4d(pair, [2, size, size, model.spec.channels]));
        const za = mean.slice([0, 0], [1, -1]);
        const zb = mean.slice([1, 0], [1, -1]);
        const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
        const z = za.mul(tf.sub(1, t)).add(zb.mul(t)) as tf.Tensor2D;
        return generative.decode(z);
      });
      try {
        return await Promise.all((await tensorToImages(frames)).map((im) => png(clip01(im))));
      } finally {
        frames.dispose();
      }
    },
  };

  const run = async (method: EngineMethod, params: unknown): Promise<unknown> => {
    const handler = handlers[method] as (p: unknown) => Promise<unknown>;
    return handler(params);
  };

  return {
    handle(message: unknown): void {
      if (!isEngineRequest(message)) return;
      const { id, method, params } = message;
      run(method, params).then(
        (value) => post({ type: 'reply', id, result: { ok: true, value } }),
        (err: unknown) => post({ type: 'reply', id, result: { ok: false, error: toErrorInfo(err) } }),
      );
    },
  };
}

export type { EngineMethods };
