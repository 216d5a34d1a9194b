import pLimit from 'p-limit';
import type { SkippedInfo } from '../../shared/contract';
import type { ScanResult, ScannedImage } from '../../shared/engine-protocol';
import { toErrorInfo } from '../../shared/errors';
import type { NoiseSpec } from '../../shared/noise';
import { corrupt } from '../data/corruption';
import { decodeImage, readImageInfo } from '../data/decode-image';
import { centerCrop, type FloatImage } from '../data/image';
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

export function clip01(image: FloatImage): FloatImage {
  return { ...image, data: image.data.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v)) };
}

/** The central crop of an image and the same crop with the run's corruption, as the Train view shows it. */
export async function previewCorruption(file: string, noise: NoiseSpec, size: number, seed: number): Promise<{ clean: FloatImage; noisy: FloatImage }> {
  const clean = centerCrop(await decodeImage(file), size);
  const noisy = corrupt(clean.data, noise, new Rng(seed), { channels: clean.channels }).noisy;
  return { clean, noisy: clip01({ ...clean, data: noisy }) };
}
