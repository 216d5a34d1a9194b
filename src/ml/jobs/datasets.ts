import pLimit from 'p-limit';
import type { SkippedInfo } from '../../shared/contract';
import type { ScanResult, ScannedImage } from '../../shared/engine-protocol';
import { toErrorInfo } from '../../shared/errors';
import type { NoiseSpec } from '../../shared/noise';
import { corrupt } from '../data/corruption';
import { decodeImage, readImageInfo } from '../data/decode-image';
import type { FloatImage } from '../data/image';
import { Rng } from '../data/rng';
import { relativeImageName, scanImageFolder } from '../data/scan-folder';

/** Headers read at once: enough to hide disk latency, few enough not to flood sharp's pool. */
const HEADER_READS = 8;

/**
 * A folder as a dataset: every image's size and channels from its header alone (no pixels), so
 * thousands of files scan in seconds; unreadable files are listed with why, never fatal.
 */
export async function scanDataset(path: string, recursive: boolean): Promise<ScanResult> {
  const scan = await scanImageFolder(path, { recursive });
  const limit = pLimit(HEADER_READS);
  const found = await Promise.all(
    scan.files.map((file) =>
      limit(async (): Promise<ScannedImage | SkippedInfo> => {
        try {
          const info = await readImageInfo(file, { root: scan.root });
          return { path: file, name: relativeImageName(scan.root, file), width: info.width, height: info.height, channels: info.channels, bytes: info.fileBytes };
        } catch (err) {
          const e = toErrorInfo(err);
          return { file, code: e.code, message: e.message };
        }
      }),
    ),
  );
  const images = found.filter((f): f is ScannedImage => 'path' in f);
  const skipped: SkippedInfo[] = [...scan.skipped.map((s) => ({ file: s.file, code: s.code, message: s.message })), ...found.filter((f): f is SkippedInfo => !('path' in f))];
  return { root: scan.root, images, skipped, subfoldersNotScanned: scan.subfoldersNotScanned };
}

/** The central `size` x `size` square (or less, for a smaller image). */
export function centerCrop(image: FloatImage, size: number): FloatImage {
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

export function clip01(image: FloatImage): FloatImage {
  return { ...image, data: image.data.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v)) };
}

/** The central crop of an image and the same crop with the run's corruption, as the Train view shows it. */
export async function previewCorruption(file: string, noise: NoiseSpec, size: number, seed: number): Promise<{ clean: FloatImage; noisy: FloatImage }> {
  const clean = centerCrop(await decodeImage(file), size);
  const noisy = corrupt(clean.data, noise, new Rng(seed), { channels: clean.channels }).noisy;
  return { clean, noisy: clip01({ ...clean, data: noisy }) };
}
