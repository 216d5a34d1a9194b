import { DenoiseError } from '../../shared/errors';
import {
  assertWithinPixelLimit,
  decodeImage,
  DEFAULT_MAX_PIXELS,
  readImageInfo,
  type ImageInfo,
} from './decode-image';
import type { FloatImage } from './image';
import { describeImageExtensions } from '../../shared/image-formats';
import { relativeImageName, scanImageFolder } from './scan-folder';
import { toSkippedFile, type SkippedFile } from './skipped-file';

/**
 * Float data is 4 bytes a sample; 4 GiB of it is a few dozen camera photos. Beyond that the
 * remaining files are skipped (with a reason) rather than letting the process die of memory.
 */
export const DEFAULT_MAX_DATASET_BYTES = 4 * 1024 ** 3;

export interface DatasetImage {
  /** Absolute path. */
  file: string;
  /** Path relative to its input folder, '/'-separated: stable across machines (used by the split). */
  name: string;
  image: FloatImage;
}

export interface DatasetSummary {
  count: number;
  /** How many of the loaded sources were gray / colour (before any channel conversion). */
  gray: number;
  color: number;
  totalPixels: number;
  skipped: number;
  /** The channel count every image was converted to. */
  channels: 1 | 3;
}

export interface ImageDataset {
  images: DatasetImage[];
  skipped: SkippedFile[];
  summary: DatasetSummary;
}

export interface LoadDatasetOptions {
  recursive?: boolean;
  /** Default: 1 when every usable image is gray, else 3. */
  channels?: 1 | 3;
  maxPixels?: number;
  maxFileBytes?: number;
  /** Images with a side shorter than this (the patch size) are skipped as too small. */
  minSize?: number;
  /** Memory budget for the decoded float data of the whole dataset. */
  maxTotalBytes?: number;
  signal?: AbortSignal;
  /** Called after each file, loaded or skipped. */
  onProgress?: (done: number, total: number, file: string) => void;
}

interface Candidate {
  file: string;
  name: string;
  /** The folder the file must stay inside; none for a file the user named directly. */
  root: string | undefined;
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DenoiseError('E_CANCELLED', 'Loading the images was cancelled.');
}

async function collectCandidates(
  paths: string[],
  recursive: boolean,
): Promise<{ candidates: Candidate[]; skipped: SkippedFile[]; subfoldersNotScanned: number }> {
  const candidates: Candidate[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  let subfoldersNotScanned = 0;
  for (const path of paths) {
    // A missing or unreadable input path is the user's explicit choice gone wrong: throw, don't skip.
    const scan = await scanImageFolder(path, { recursive });
    skipped.push(...scan.skipped);
    subfoldersNotScanned += scan.subfoldersNotScanned;
    for (const file of scan.files) {
      if (seen.has(file)) continue;
      seen.add(file);
      // Re-checked at decode time too, in case a link was swapped between scan and read.
      const root = scan.input === 'folder' ? scan.root : undefined;
      candidates.push({ file, name: relativeImageName(scan.root, file), root });
    }
  }
  return { candidates, skipped, subfoldersNotScanned };
}

function tooSmall(info: ImageInfo, minSize: number): SkippedFile {
  return {
    file: info.file,
    code: 'E_IMAGE_TOO_SMALL',
    message: `${info.file} is ${info.width} x ${info.height} pixels, smaller than the ${minSize}-pixel patch size.`,
  };
}

function overBudget(info: ImageInfo, maxTotalBytes: number): SkippedFile {
  const gib = Math.round((maxTotalBytes / 1024 ** 3) * 10) / 10;
  return {
    file: info.file,
    code: 'E_IMAGE_TOO_LARGE',
    message: `${info.file} was not loaded: the dataset already fills its ${gib} GiB memory budget; use fewer or smaller images.`,
  };
}

function bytesOf(info: ImageInfo, channels: 1 | 3): number {
  return info.width * info.height * (channels + (info.hasAlpha ? 1 : 0)) * 4;
}

function firstReasons(skipped: SkippedFile[], count = 3): string {
  const shown = skipped.slice(0, count).map((s) => `${s.message} [${s.code}]`);
  const more = skipped.length > count ? ` ... and ${skipped.length - count} more` : '';
  return shown.join(' ') + more;
}

function nothingLoaded(
  paths: string[],
  candidateCount: number,
  imageSkips: SkippedFile[],
  scanSkips: SkippedFile[],
  subfoldersNotScanned: number,
  recursive: boolean,
): DenoiseError {
  const where = paths.join(', ');
  const details = { paths, skipped: [...imageSkips, ...scanSkips].slice(0, 20) };
  if (candidateCount === 0) {
    const hint =
      !recursive && subfoldersNotScanned > 0
        ? ` ${subfoldersNotScanned} subfolder(s) were not searched; turn on recursive search to include them.`
        : '';
    const others = scanSkips.length > 0 ? ` Skipped: ${firstReasons(scanSkips)}` : '';
    return new DenoiseError(
      'E_NO_IMAGES',
      `No images found in ${where} (looked for ${describeImageExtensions()}).${hint}${others}`,
      details,
    );
  }
  if (imageSkips.every((s) => s.code === 'E_IMAGE_TOO_SMALL')) {
    return new DenoiseError(
      'E_IMAGE_TOO_SMALL',
      `Every image in ${where} is smaller than the patch size; use a smaller patch size or larger images. ${firstReasons(imageSkips)}`,
      details,
    );
  }
  return new DenoiseError(
    'E_NO_IMAGES',
    `None of the ${candidateCount} image file(s) in ${where} could be used: ${firstReasons(imageSkips)}`,
    details,
  );
}

/**
 * Loads every image under `paths` (folders or single files) as floats in [0, 1] with one channel
 * count. Headers are read first (cheap) so that the channel choice, the size checks and the memory
 * budget are settled before any pixel is decoded. Per-file problems land in `skipped`; only
 * "nothing usable at all" (or a missing input path) throws.
 */
export async function loadImageDataset(paths: string[], options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  if (paths.length === 0) throw new DenoiseError('E_INVALID_ARGUMENT', 'No input folder or image was given.');
  const recursive = options.recursive ?? false;
  const minSize = options.minSize ?? 1;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_DATASET_BYTES;
  const scanned = await collectCandidates(paths, recursive);
  const { candidates } = scanned;
  // Problems with candidate images, kept apart from the scan's "not an image type" entries so
  // that error messages lead with the reasons that matter.
  const skipped: SkippedFile[] = [];
  const total = candidates.length;
  let done = 0;
  const progress = (file: string): void => {
    done += 1;
    options.onProgress?.(done, total, file);
  };

  const usable: { candidate: Candidate; info: ImageInfo }[] = [];
  for (const candidate of candidates) {
    checkCancelled(options.signal);
    try {
      const info = await readImageInfo(candidate.file, { maxFileBytes: options.maxFileBytes, root: candidate.root });
      assertWithinPixelLimit(info, maxPixels);
      if (Math.min(info.width, info.height) < minSize) {
        skipped.push(tooSmall(info, minSize));
        progress(candidate.file);
      } else {
        usable.push({ candidate, info });
      }
    } catch (error) {
      skipped.push(toSkippedFile(candidate.file, error));
      progress(candidate.file);
    }
  }

  const channels = options.channels ?? (usable.every(({ info }) => info.channels === 1) ? 1 : 3);
  const images: DatasetImage[] = [];
  let bytes = 0;
  let gray = 0;
  let totalPixels = 0;
  for (const { candidate, info } of usable) {
    checkCancelled(options.signal);
    try {
      const need = bytesOf(info, channels);
      if (bytes + need > maxTotalBytes) {
        skipped.push(overBudget(info, maxTotalBytes));
      } else {
        const image = await decodeImage(candidate.file, {
          maxPixels,
          maxFileBytes: options.maxFileBytes,
          root: candidate.root,
          channels,
        });
        bytes += need;
        totalPixels += image.width * image.height;
        if (info.channels === 1) gray += 1;
        images.push({ file: candidate.file, name: candidate.name, image });
      }
    } catch (error) {
      skipped.push(toSkippedFile(candidate.file, error));
    }
    progress(candidate.file);
  }

  if (images.length === 0) {
    throw nothingLoaded(paths, candidates.length, skipped, scanned.skipped, scanned.subfoldersNotScanned, recursive);
  }
  const allSkipped = [...scanned.skipped, ...skipped].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    images,
    skipped: allSkipped,
    summary: {
      count: images.length,
      gray,
      color: images.length - gray,
      totalPixels,
      skipped: allSkipped.length,
      channels,
    },
  };
}
