import * as tf from '@tensorflow/tfjs-core';
import { DenoiseError } from '../../shared/errors';
import { IMAGE_VIEWS, type ImageView } from '../../shared/explore';
import { decodeImage } from '../data/decode-image';
import { encodeImageToBuffer } from '../data/encode-image';
import { centerCrop, type FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { NumpyRandomState, addProtocolNoise } from '../eval/numpy-normal';
import { scanImageFolder } from '../data/scan-folder';
import { applyModel } from '../infer/apply-model';
import { composeGrid } from '../jobs/generate';
import type { AutoencoderModel } from '../models/autoencoder';
import type { Model } from '../models/model';
import { pca, symmetricEigen } from '../models/pca';
import { loadModel } from '../store/model-files';
import { orthonormalRows, principalAngles, projectToTwo } from './analysis';

/**
 * Views inside a trained image model, each as one SVG with the images embedded as PNG (so the
 * CLI writes one file and the app shows it as is):
 *
 * - latent     codes of crops of a folder's images, projected by PCA when wider than 2, each
 *              drawn as its thumbnail at its code;
 * - traversal  generative kinds: decoded strips along the first latent axes, -2.5 to 2.5;
 * - tangents   a dense CAE: the top right singular vectors of the encoder Jacobian at a crop
 *              (the input directions the code follows: the local tangent of the manifold);
 * - subspace   a linear AE: its decoder's basis next to PCA's on patches of a folder, with the
 *              principal angles between the two subspaces;
 * - noise-map  a denoiser: a photo with seeded Gaussian noise, the output, and input minus
 *              output scaled around grey (what the model removed, texture included).
 */
export { IMAGE_VIEWS, type ImageView } from '../../shared/explore';

export interface ImageViewSettings {
  modelDir: string;
  view: string;
  imagesDir?: string;
  image?: string;
  /** noise-map: sigma on the 0..255 scale. */
  sigma: number;
  seed: number;
  /** Crops taken from the folder for latent and subspace (default 200). */
  crops?: number;
}

export interface ImageViewResult {
  svg: string;
  summary: Record<string, unknown>;
}

async function pngHref(image: FloatImage): Promise<string> {
  const png = await encodeImageToBuffer({ ...image, bitDepth: 8, data: image.data.map((v) => Math.min(1, Math.max(0, v))) }, { format: 'png' });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

function frameSvg(imageWidth: number, height: number, title: string, body: string[]): string {
  // Wide enough for the title too (about 7.5 px per character at 14 px).
  const width = Math.max(imageWidth, Math.ceil(title.length * 7.5) + 16);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height + 30}" viewBox="0 0 ${width} ${height + 30}">`,
    `<rect width="${width}" height="${height + 30}" fill="#fff"/>`,
    `<text x="8" y="20" font-family="DejaVu Sans, Lato, sans-serif" font-size="14" fill="#222">${title.replace(/[<>&]/g, '')}</text>`,
    ...body.map((b) => b.replace(/__Y__/g, '30')),
    '</svg>',
  ].join('\n');
}

async function imageSvg(image: FloatImage, title: string): Promise<string> {
  return frameSvg(image.width, image.height, title, [`<image x="0" y="30" width="${image.width}" height="${image.height}" href="${await pngHref(image)}"/>`]);
}

/** `count` square crops of side `size` from the folder's images (seeded positions), gray or colour as the model. */
async function cropsFrom(dir: string, count: number, size: number, channels: 1 | 3, seed: number): Promise<{ data: Float32Array; n: number }> {
  const scan = await scanImageFolder(dir);
  const images: FloatImage[] = [];
  for (const file of scan.files.slice(0, 32)) {
    const img = await decodeImage(file);
    if (img.width >= size && img.height >= size) images.push(toChannels(img, channels));
  }
  if (images.length === 0) throw new DenoiseError('E_INVALID_ARGUMENT', `No image in ${dir} is at least ${size} x ${size} pixels`);
  const rng = new Rng(seed);
  const per = size * size * channels;
  const data = new Float32Array(count * per);
  for (let k = 0; k < count; k++) {
    const img = images[k % images.length] as FloatImage;
    const x0 = rng.int(img.width - size + 1);
    const y0 = rng.int(img.height - size + 1);
    for (let y = 0; y < size; y++) {
      const src = ((y0 + y) * img.width + x0) * channels;
      data.set(img.data.subarray(src, src + size * channels), k * per + y * size * channels);
    }
  }
  return { data, n: count };
}

function toChannels(img: FloatImage, channels: 1 | 3): FloatImage {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const data = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (channels === 1) data[i] = ((img.data[3 * i] as number) + (img.data[3 * i + 1] as number) + (img.data[3 * i + 2] as number)) / 3;
    else data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = img.data[i] as number;
  }
  return { ...img, channels, data };
}

/** A vector shown as an image: zero is grey, the largest magnitude black or white. */
function signedImage(v: Float32Array | Float64Array, size: number, channels: 1 | 3): FloatImage {
  let max = 1e-12;
  for (const x of v) max = Math.max(max, Math.abs(x));
  const data = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) data[i] = 0.5 + (0.5 * (v[i] as number)) / max;
  return { width: size, height: size, channels, bitDepth: 8, data };
}

function blockSizeOf(model: Model): number {
  if (model.fixedInputSize) return model.fixedInputSize;
  return 32;
}

/** Codes of crops [n, size, size, c] as rows [n * d]. */
async function codesOfCrops(model: Model, crops: tf.Tensor4D): Promise<{ codes: Float32Array; d: number }> {
  const t = tf.tidy(() => {
    if (model.generative) return model.generative.encode(crops).mean;
    const ae = model as Partial<AutoencoderModel>;
    if (!ae.encode) throw new DenoiseError('E_MODEL_INCOMPATIBLE', `A ${model.spec.kind} model has no code to map (use an ae, cae, sparse, linear, vae or aae model)`);
    return tf.reshape(ae.encode(crops), [crops.shape[0], -1]);
  });
  try {
    return { codes: (await t.data()) as Float32Array, d: t.shape[1] as number };
  } finally {
    t.dispose();
  }
}

async function latentView(model: Model, s: ImageViewSettings): Promise<ImageViewResult> {
  if (!s.imagesDir) throw new DenoiseError('E_INVALID_ARGUMENT', 'The latent view needs --images DIR (the crops whose codes it maps)');
  const size = blockSizeOf(model);
  const c = model.spec.channels;
  const count = s.crops ?? 200;
  const { data, n } = await cropsFrom(s.imagesDir, count, size, c, s.seed);
  const crops = tf.tensor4d(data, [n, size, size, c]);
  let coded: { codes: Float32Array; d: number };
  try {
    coded = await codesOfCrops(model, crops);
  } finally {
    crops.dispose();
  }
  const xy = projectToTwo(coded.codes, coded.d);
  const canvas = 640;
  const thumb = Math.max(12, Math.min(32, size));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of xy) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  const body: string[] = [];
  const per = size * size * c;
  for (let i = 0; i < n; i++) {
    const x = (((xy[2 * i] as number) - lo) / span) * (canvas - thumb);
    const y = (1 - ((xy[2 * i + 1] as number) - lo) / span) * (canvas - thumb);
    const href = await pngHref({ width: size, height: size, channels: c, bitDepth: 8, data: data.slice(i * per, (i + 1) * per) });
    body.push(`<image x="${x.toFixed(1)}" y="${(y + 30).toFixed(1)}" width="${thumb}" height="${thumb}" href="${href}"><title>crop ${i}</title></image>`);
  }
  const how = coded.d <= 2 ? 'the codes themselves' : `PCA of ${coded.d}-D codes`;
  return { svg: frameSvg(canvas, canvas, `${model.spec.kind}: ${n} crops placed at their codes (${how})`, body), summary: { crops: n, codeSize: coded.d } };
}

async function traversalView(model: Model): Promise<ImageViewResult> {
  const gen = model.generative;
  if (!gen) throw new DenoiseError('E_MODEL_INCOMPATIBLE', `Traversals need a generative model (vae, aae); this is a ${model.spec.kind}`);
  const axes = Math.min(gen.latentSize, 8);
  const steps = 9;
  const z = new Float32Array(axes * steps * gen.latentSize);
  for (let a = 0; a < axes; a++) for (let t = 0; t < steps; t++) z[(a * steps + t) * gen.latentSize + a] = -2.5 + (5 * t) / (steps - 1);
  const decoded = tf.tidy(() => gen.decode(tf.tensor2d(z, [axes * steps, gen.latentSize])));
  let values: Float32Array;
  try {
    values = (await decoded.data()) as Float32Array;
  } finally {
    decoded.dispose();
  }
  const size = gen.imageSize;
  const c = model.spec.channels;
  const per = size * size * c;
  const tiles: FloatImage[] = Array.from({ length: axes * steps }, (_, i) => ({ width: size, height: size, channels: c, bitDepth: 8 as const, data: values.slice(i * per, (i + 1) * per) }));
  const grid = composeGrid(tiles, steps, Math.max(1, Math.round(64 / size)));
  return { svg: await imageSvg(grid, `${model.spec.kind}: one row per latent axis (first ${axes}), z from -2.5 to 2.5, others 0`), summary: { axes, steps } };
}

async function tangentsView(model: Model, s: ImageViewSettings): Promise<ImageViewResult> {
  const ae = model as Partial<AutoencoderModel>;
  if (model.spec.kind !== 'cae' || !ae.encodeFlat) throw new DenoiseError('E_MODEL_INCOMPATIBLE', 'Tangent directions need a dense contractive autoencoder (--kind cae, dense)');
  const encodeFlat = ae.encodeFlat;
  const size = blockSizeOf(model);
  const c = model.spec.channels;
  const d = size * size * c;
  let x: Float32Array;
  if (s.image) {
    const img = toChannels(await decodeImage(s.image), c);
    if (img.width < size || img.height < size) throw new DenoiseError('E_INVALID_ARGUMENT', `--image must be at least ${size} x ${size}`);
    const x0 = Math.floor((img.width - size) / 2);
    const y0 = Math.floor((img.height - size) / 2);
    x = new Float32Array(d);
    for (let y = 0; y < size; y++) x.set(img.data.subarray(((y0 + y) * img.width + x0) * c, ((y0 + y) * img.width + x0 + size) * c), y * size * c);
  } else if (s.imagesDir) {
    x = (await cropsFrom(s.imagesDir, 1, size, c, s.seed)).data;
  } else throw new DenoiseError('E_INVALID_ARGUMENT', 'The tangents view needs --image FILE (its central crop) or --images DIR');
  const latent = model.spec.options['latent'] as number;
  const input = tf.tensor2d(x, [1, d]);
  const rows: Float32Array[] = [];
  try {
    for (let j = 0; j < latent; j++) {
      const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.slice(encodeFlat(v as tf.Tensor2D), [0, j], [1, 1])))(input));
      rows.push((await g.data()) as Float32Array);
      g.dispose();
    }
  } finally {
    input.dispose();
  }
  // J is latent x d; its right singular vectors come from the small latent x latent J J^T.
  const jjt = new Float64Array(latent * latent);
  for (let a = 0; a < latent; a++) {
    for (let b = a; b < latent; b++) {
      let sum = 0;
      const ra = rows[a] as Float32Array;
      const rb = rows[b] as Float32Array;
      for (let i = 0; i < d; i++) sum += (ra[i] as number) * (rb[i] as number);
      jjt[a * latent + b] = jjt[b * latent + a] = sum;
    }
  }
  const { values, vectors } = symmetricEigen(jjt, latent);
  const shown = Math.min(8, latent);
  const tiles: FloatImage[] = [{ width: size, height: size, channels: c, bitDepth: 8, data: x }];
  const singular: number[] = [];
  for (let k = 0; k < shown; k++) {
    const sv = Math.sqrt(Math.max(0, values[k] as number));
    singular.push(sv);
    const v = new Float64Array(d);
    for (let a = 0; a < latent; a++) {
      const u = vectors[k * latent + a] as number;
      const ra = rows[a] as Float32Array;
      for (let i = 0; i < d; i++) v[i] = (v[i] as number) + u * (ra[i] as number);
    }
    tiles.push(signedImage(v, size, c));
  }
  const grid = composeGrid(tiles, tiles.length, Math.max(1, Math.round(64 / size)));
  const title = `cae: the crop, then its top ${shown} tangent directions (grey 0; singular values ${singular.map((v) => v.toFixed(2)).join(', ')})`;
  return { svg: await imageSvg(grid, title), summary: { singularValues: singular } };
}

async function subspaceView(model: Model, s: ImageViewSettings): Promise<ImageViewResult> {
  if (model.spec.kind !== 'linear') throw new DenoiseError('E_MODEL_INCOMPATIBLE', `The subspace view is for a linear autoencoder; this is a ${model.spec.kind}`);
  if (!s.imagesDir) throw new DenoiseError('E_INVALID_ARGUMENT', 'The subspace view needs --images DIR (the patches PCA is computed on)');
  const size = blockSizeOf(model);
  const c = model.spec.channels;
  const d = size * size * c;
  const k = model.spec.options['latent'] as number;
  // The learned basis: the decoder's rows (W^T when tied), [k, d].
  const dec = model.variables.get('dec/w');
  const enc = model.variables.get('enc/w') as tf.Variable;
  const basisT = dec ? tf.clone(dec) : tf.transpose(enc);
  let learned: Float32Array;
  try {
    learned = (await basisT.data()) as Float32Array;
  } finally {
    basisT.dispose();
  }
  const { data, n } = await cropsFrom(s.imagesDir, s.crops ?? 2000, size, c, s.seed);
  const result = pca(data, n, d);
  const pcaBasis = result.vectors.subarray(0, k * d);
  const angles = principalAngles(learned, pcaBasis, k, d);
  const shown = Math.min(k, 8);
  const q = orthonormalRows(learned, k, d);
  const tiles: FloatImage[] = [];
  for (let r = 0; r < shown; r++) tiles.push(signedImage(q.subarray(r * d, (r + 1) * d), size, c));
  for (let r = 0; r < shown; r++) tiles.push(signedImage(pcaBasis.subarray(r * d, (r + 1) * d), size, c));
  const grid = composeGrid(tiles, shown, Math.max(1, Math.round(48 / size)));
  const degrees = angles.map((a) => (a * 180) / Math.PI);
  const title = `linear AE basis (top row) vs PCA (bottom); principal angles: max ${Math.max(...degrees).toFixed(1)} deg, mean ${(degrees.reduce((a, b) => a + b, 0) / k).toFixed(1)} deg`;
  return { svg: await imageSvg(grid, title), summary: { latent: k, patches: n, principalAnglesDegrees: degrees.map((v) => Math.round(v * 100) / 100) } };
}

async function noiseMapView(model: Model, s: ImageViewSettings): Promise<ImageViewResult> {
  if (!s.image) throw new DenoiseError('E_INVALID_ARGUMENT', 'The noise-map view needs --image FILE');
  let clean = toChannels(await decodeImage(s.image), model.spec.channels);
  // A view, not a benchmark: keep it quick on big photos by taking the central 256 x 256.
  clean = centerCrop(clean, 256);
  // The evaluation protocol's noise, so the view matches what `eval` scores.
  const noisy: FloatImage = { ...clean, data: addProtocolNoise(clean.data, s.sigma, new NumpyRandomState(s.seed)) };
  const out = await applyModel(model, noisy, { gpu: false, sigma: s.sigma });
  const removed = new Float32Array(noisy.data.length);
  let rms = 0;
  for (let i = 0; i < removed.length; i++) {
    const r = (noisy.data[i] as number) - (out.data[i] as number);
    rms += r * r;
    // Scaled so +-3 sigma spans black to white.
    removed[i] = 0.5 + r / (6 * Math.max(s.sigma, 1) / 255);
  }
  rms = Math.sqrt(rms / removed.length) * 255;
  const tiles: FloatImage[] = [noisy, out, { ...out, data: removed }];
  const grid = composeGrid(tiles, 3, 1);
  const title = `${model.spec.kind}: noisy (sigma ${s.sigma}), output, removed (input - output; grey 0, +-3 sigma); rms removed ${rms.toFixed(1)}/255`;
  return { svg: await imageSvg(grid, title), summary: { sigma: s.sigma, removedRms: Math.round(rms * 100) / 100 } };
}

export async function runImageView(settings: ImageViewSettings): Promise<ImageViewResult> {
  if (!(IMAGE_VIEWS as readonly string[]).includes(settings.view)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `Unknown --view "${settings.view}" for an image model; choose ${IMAGE_VIEWS.join(', ')}`);
  }
  const { model } = await loadModel(settings.modelDir);
  try {
    switch (settings.view as ImageView) {
      case 'latent':
        return await latentView(model, settings);
      case 'traversal':
        return await traversalView(model);
      case 'tangents':
        return await tangentsView(model, settings);
      case 'subspace':
        return await subspaceView(model, settings);
      case 'noise-map':
        return await noiseMapView(model, settings);
    }
  } finally {
    model.dispose();
  }
}
