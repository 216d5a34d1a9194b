import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import type { TrainConfig } from '../../shared/training';
import { corrupt } from '../data/corruption';
import { loadImageDataset } from '../data/dataset';
import type { FloatImage } from '../data/image';
import { extractValidationPatches, PatchSampler, type PatchSamplerState } from '../data/patches';
import { Rng, type RngState } from '../data/rng';
import { splitByFile } from '../data/split';
import { pixelShuffleImages } from '../infer/pixel-shuffle';
import { blindSpotMask, fixedNoisyCopies, pixelShuffleStrideOf } from './blind-spot';
import { preparePairedData } from './pairs';
import type { TrainingData } from './training-source';
import { addsNoNoise, blindSpotValidation, type ValidationSet } from './validation';

/**
 * Turns folders of clean images into what the loop consumes: an endless, seeded stream of
 * (corrupted, clean) batches whose position can be saved and restored, and a fixed validation
 * set. Training and validation images are split by file, so no validation crop was ever seen.
 */
/** The batch with every patch (`per` values) repeated `copies` times in a row: [a, a, b, b] for 2. */
function repeatBatch(batch: Float32Array, per: number, copies: number): Float32Array {
  const out = new Float32Array(batch.length * copies);
  for (let p = 0; p < batch.length / per; p++) {
    const patch = batch.subarray(p * per, (p + 1) * per);
    for (let c = 0; c < copies; c++) out.set(patch, (p * copies + c) * per);
  }
  return out;
}

interface DataState {
  sampler: PatchSamplerState;
  noise: RngState;
}

/** Enough crops for a stable score, few enough that validating costs seconds. */
const VAL_PATCHES_MAX = 48;
const VAL_PATCH_SIZE = 96;

function buildValidation(images: FloatImage[], config: TrainConfig): ValidationSet {
  const smallest = Math.min(...images.map((im) => Math.min(im.width, im.height)));
  const size = Math.min(VAL_PATCH_SIZE, smallest - (smallest % 4));
  const perImage = Math.max(1, Math.ceil(VAL_PATCHES_MAX / images.length));
  const fixed = extractValidationPatches(images.slice(0, VAL_PATCHES_MAX), { patchSize: size, perImage });
  const count = Math.min(fixed.count, VAL_PATCHES_MAX);
  const target = fixed.patches.slice(0, count * size * size * fixed.channels);
  const corrupted = corrupt(target, config.noise, new Rng(config.seed + 11), { patchSize: size, channels: fixed.channels });
  const { noisy, mask, sigmas } = corrupted;
  return {
    count,
    size,
    channels: fixed.channels,
    input: noisy,
    target: corrupted.target ?? target,
    ...(mask ? { mask: Float32Array.from(mask) } : {}),
    ...(sigmas ? { noiseLevel: levelsOf(sigmas) } : {}),
  };
}

/** Per-patch sigmas (0..255) as the [0, 1]-scale levels that level-aware models take. */
function levelsOf(sigmas: Float32Array): Float32Array {
  return sigmas.map((s) => s / 255);
}

export async function prepareTrainingData(config: TrainConfig, resumeState?: unknown): Promise<TrainingData> {
  if (config.pairs && config.selfSupervised) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Paired folders and self-supervised training exclude each other: pairs have clean targets');
  }
  if (config.pairs) return preparePairedData(config, resumeState);
  // Self-supervised runs with pixel shuffle train on sub-images `stride` times smaller.
  const stride = pixelShuffleStrideOf(config);
  const dataset = await loadImageDataset(config.dataDirs, {
    recursive: config.recursive,
    minSize: config.patchSize * stride,
    ...(config.channels ? { channels: config.channels } : {}),
  }).catch((error: unknown) => {
    if (stride === 1 || !(error instanceof DenoiseError) || error.code !== 'E_IMAGE_TOO_SMALL') throw error;
    const message = `At pixel-shuffle stride ${stride}, ${config.patchSize}-pixel patches need images of at least ${stride * config.patchSize} pixels a side; use a smaller stride or patch. ${error.message}`;
    throw new DenoiseError('E_IMAGE_TOO_SMALL', message, error.details);
  });
  const channels = dataset.images[0]?.image.channels ?? 1;
  const { train, val: validation } = splitByFile(dataset.images, { valFraction: config.valFraction, seed: config.seed });
  // Self-supervised runs never see a clean training image: only one fixed noisy copy of each.
  const selfSupervised = config.selfSupervised;
  // The noise is drawn before the split, as the camera drew it; the patches then come from the
  // sub-images, so a batch never holds two pixels that were neighbours in the photo.
  const trainImages = selfSupervised ? pixelShuffleImages(fixedNoisyCopies(train.map((e) => e.image), config.noise, config.seed + 3), stride) : train.map((e) => e.image);
  // With a single image there is nothing to hold out; validation then scores crops of it.
  // Validation crops are sub-images too, so the held-out loss measures what training optimises.
  const valImages = pixelShuffleImages(validation.length > 0 ? validation.map((e) => e.image) : train.map((e) => e.image), stride);

  const saved = resumeState as DataState | undefined;
  const samplerOptions = { patchSize: config.patchSize, batchSize: config.batchSize, augment: config.augment };
  const sampler = saved ? PatchSampler.fromState(trainImages, saved.sampler) : new PatchSampler(trainImages, samplerOptions, config.seed);
  const noiseRng = saved ? Rng.fromState(saved.noise) : new Rng(config.seed + 1);
  const totalPixels = trainImages.reduce((s, im) => s + im.width * im.height, 0);
  const copies = config.corruptionSamples ?? 1;
  if (copies > 1 && (selfSupervised || addsNoNoise(config.noise))) {
    throw new DenoiseError('E_INVALID_ARGUMENT', 'Several corruptions per patch need synthetic noise to draw (not self-supervised data, not gaussian:0)');
  }
  const shape: [number, number, number, number] = [config.batchSize, config.patchSize, config.patchSize, channels];
  const corruptedShape: [number, number, number, number] = [config.batchSize * copies, config.patchSize, config.patchSize, channels];

  return {
    channels,
    summary: {
      trainImages: train.length,
      valImages: validation.length,
      skipped: dataset.skipped.map((s) => ({ file: s.file, code: s.code, message: s.message })),
    },
    stepsPerEpoch: Math.max(1, Math.round(totalPixels / (config.patchSize * config.patchSize * config.batchSize))),
    // Already-noisy photos with nothing added have no clean reference: validate on blind spots.
    validation:
      selfSupervised && addsNoNoise(config.noise)
        ? blindSpotValidation(buildValidation(valImages, config), selfSupervised, config.seed + 13)
        : buildValidation(valImages, config),
    nextBatch() {
      const clean = sampler.nextBatch();
      if (selfSupervised) {
        // `clean` holds noisy patches here; the target is the noisy value at the blind spots.
        const { input, mask } = blindSpotMask(clean, config.patchSize, channels, noiseRng, selfSupervised);
        return { input: tf.tensor4d(input, shape), target: tf.tensor4d(clean, shape), mask: tf.tensor4d(mask, shape) };
      }
      // The averaged objective: each clean patch repeated `copies` times, each copy corrupted anew.
      const targets = copies === 1 ? clean : repeatBatch(clean, config.patchSize * config.patchSize * channels, copies);
      const { noisy, sigmas, target } = corrupt(targets, config.noise, noiseRng, { patchSize: config.patchSize, channels });
      // Every gaussian batch carries its per-patch levels; models that are not level-aware ignore them.
      const level = sigmas ? { noiseLevel: tf.tensor4d(levelsOf(sigmas), [corruptedShape[0], 1, 1, 1]) } : {};
      return { input: tf.tensor4d(noisy, corruptedShape), target: tf.tensor4d(target ?? targets, corruptedShape), ...level };
    },
    state: () => ({ sampler: sampler.state(), noise: noiseRng.state() }),
  };
}
