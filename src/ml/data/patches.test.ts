import { describe, expect, it } from 'vitest';
import { createFloatImage, type FloatImage } from './image';
import { copyPatch, datasetKeyOf, extractValidationPatches, PatchSampler, type PatchSamplerState } from './patches';
import { Rng } from './rng';

/** Every sample encodes its own coordinates, so a patch tells where (and how) it was cut. */
function coordinateImage(width: number, height: number, channels: 1 | 3, id = 0): FloatImage {
  const image = createFloatImage(width, height, channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < channels; k++) image.data[(y * width + x) * channels + k] = id * 1e6 + y * 1000 + x + k / 10;
    }
  }
  return image;
}

/** The 8 symmetries of a square applied to a plain [size, size, c] block (reference implementation). */
function transformBlock(block: Float32Array, size: number, c: number, t: number): Float32Array {
  let cur = Float32Array.from(block);
  const at = (a: Float32Array, r: number, col: number, k: number): number => a[(r * size + col) * c + k] ?? NaN;
  if (t & 4) {
    const m = new Float32Array(cur.length);
    for (let r = 0; r < size; r++)
      for (let col = 0; col < size; col++)
        for (let k = 0; k < c; k++) m[(r * size + col) * c + k] = at(cur, r, size - 1 - col, k);
    cur = m;
  }
  for (let turn = 0; turn < (t & 3); turn++) {
    // Counter-clockwise quarter turn, as numpy.rot90: out[i][j] = in[j][size-1-i].
    const m = new Float32Array(cur.length);
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) for (let k = 0; k < c; k++) m[(i * size + j) * c + k] = at(cur, j, size - 1 - i, k);
    cur = m;
  }
  return cur;
}

function crop(image: FloatImage, x: number, y: number, size: number): Float32Array {
  const out = new Float32Array(size * size * image.channels);
  copyPatch(image, x, y, size, 0, out, 0);
  return out;
}

describe('copyPatch', () => {
  it('implements the 8 distinct symmetries of the square', () => {
    const image = coordinateImage(10, 9, 3);
    const plain = crop(image, 2, 3, 4);
    for (let r = 0; r < 4; r++) {
      for (let col = 0; col < 4; col++) expect(plain[(r * 4 + col) * 3]).toBe(image.data[((3 + r) * 10 + 2 + col) * 3]);
    }
    const seen = new Set<string>();
    for (let t = 0; t < 8; t++) {
      const out = new Float32Array(plain.length);
      copyPatch(image, 2, 3, 4, t, out, 0);
      expect(Array.from(out)).toEqual(Array.from(transformBlock(plain, 4, 3, t)));
      seen.add(Array.from(out).join(','));
    }
    expect(seen.size).toBe(8);
  });
});

describe('PatchSampler', () => {
  const images = [coordinateImage(40, 30, 3, 0), coordinateImage(100, 80, 3, 1), coordinateImage(16, 16, 3, 2)];

  it('returns [batch, size, size, channels] of real crops of the images', () => {
    const sampler = new PatchSampler(images, { patchSize: 8, batchSize: 5, augment: false }, 1);
    expect(sampler.batchShape).toEqual([5, 8, 8, 3]);
    const batch = sampler.nextBatch();
    expect(batch.length).toBe(5 * 8 * 8 * 3);
    for (let b = 0; b < 5; b++) {
      const first = batch[b * 192] ?? NaN;
      const id = Math.floor(first / 1e6);
      const y = Math.floor((first % 1e6) / 1000);
      const x = Math.round(first % 1000);
      const source = images[id] as FloatImage;
      expect(Array.from(batch.subarray(b * 192, (b + 1) * 192))).toEqual(Array.from(crop(source, x, y, 8)));
    }
  });

  it('is reproducible from a seed, and differs between seeds', () => {
    const a = new PatchSampler(images, { patchSize: 8, batchSize: 4 }, 42);
    const b = new PatchSampler(images, { patchSize: 8, batchSize: 4 }, 42);
    const c = new PatchSampler(images, { patchSize: 8, batchSize: 4 }, 43);
    for (let i = 0; i < 5; i++) {
      const batchA = a.nextBatch();
      expect(b.nextBatch()).toEqual(batchA);
      if (i === 0) expect(c.nextBatch()).not.toEqual(batchA);
    }
  });

  it('continues the same sequence from a saved state (through JSON)', () => {
    const original = new PatchSampler(images, { patchSize: 8, batchSize: 4 }, new Rng(9));
    original.nextBatch();
    original.nextBatch();
    const saved = JSON.parse(JSON.stringify(original.state())) as PatchSamplerState;
    const expected = [original.nextBatch(), original.nextBatch()];
    const resumed = PatchSampler.fromState(images, saved);
    expect(resumed.batchesDrawn).toBe(2);
    expect([resumed.nextBatch(), resumed.nextBatch()]).toEqual(expected);
  });

  it('refuses to resume on different images or a garbled state', () => {
    const saved = new PatchSampler(images, { patchSize: 8, batchSize: 4 }, 1).state();
    expect(() => PatchSampler.fromState(images.slice(0, 2), saved)).toThrow(/differ/);
    expect(() => PatchSampler.fromState(images, { ...saved, version: 2 } as unknown as PatchSamplerState)).toThrow(
      /not readable/,
    );
    expect(saved.datasetKey).toBe(datasetKeyOf(images));
  });

  it('picks images in proportion to their area and uses all 8 symmetries', () => {
    const sampler = new PatchSampler(images, { patchSize: 4, batchSize: 1000 }, 5);
    const batch = sampler.nextBatch();
    const counts = [0, 0, 0];
    for (let b = 0; b < 1000; b++) {
      const id = Math.floor((batch[b * 48] ?? 0) / 1e6);
      counts[id] = (counts[id] ?? 0) + 1;
    }
    const areas = [1200, 8000, 256];
    const total = areas.reduce((s, a) => s + a, 0);
    counts.forEach((n, i) => expect(n / 1000).toBeCloseTo((areas[i] ?? 0) / total, 1));

    // The steps (in source rows and columns) taken by moving right and down inside the patch
    // identify its symmetry: 4 directions for "right" x 2 perpendicular ones for "down".
    const where = (v: number): [number, number] => [Math.floor((v % 1e6) / 1000), Math.floor(v % 1000)];
    const kinds = new Set<string>();
    for (let b = 0; b < 1000; b++) {
      const p = batch.subarray(b * 48, (b + 1) * 48);
      const [y0, x0] = where(p[0] ?? NaN);
      const [yr, xr] = where(p[3] ?? NaN);
      const [yd, xd] = where(p[12] ?? NaN);
      kinds.add(`${yr - y0},${xr - x0};${yd - y0},${xd - x0}`);
    }
    expect(kinds.size).toBe(8);
  });

  it('refuses images smaller than the patch, and mixed channel counts', () => {
    expect(() => new PatchSampler([coordinateImage(7, 20, 1)], { patchSize: 8, batchSize: 1 }, 0)).toThrow(
      expect.objectContaining({ code: 'E_IMAGE_TOO_SMALL' }),
    );
    expect(() => new PatchSampler([coordinateImage(8, 8, 1), coordinateImage(8, 8, 3)], { patchSize: 8, batchSize: 1 }, 0))
      .toThrow(/same number of channels/);
    expect(() => new PatchSampler([], { patchSize: 8, batchSize: 1 }, 0)).toThrow(
      expect.objectContaining({ code: 'E_NO_IMAGES' }),
    );
  });

  it('fills a caller-owned buffer', () => {
    const sampler = new PatchSampler(images, { patchSize: 8, batchSize: 2 }, 3);
    const buffer = new Float32Array(2 * 8 * 8 * 3);
    expect(sampler.nextBatch(buffer)).toBe(buffer);
    expect(() => sampler.nextBatch(new Float32Array(3))).toThrow(/buffer/);
  });
});

describe('extractValidationPatches', () => {
  it('takes the centre patch, then patches spread over a centred grid, with no randomness', () => {
    const image = coordinateImage(35, 26, 1);
    const one = extractValidationPatches([image], { patchSize: 8 });
    expect(one.count).toBe(1);
    // Grid: 4 x 3 cells of 8 starting at (1, 1); the middle cell is index 6 -> column 2, row 1.
    expect(Array.from(one.patches)).toEqual(Array.from(crop(image, 17, 9, 8)));

    const many = extractValidationPatches([image, coordinateImage(16, 16, 1, 1)], { patchSize: 8, perImage: 50 });
    expect(many.count).toBe(12 + 4);
    expect(extractValidationPatches([image], { patchSize: 8, perImage: 5 }).patches).toEqual(
      extractValidationPatches([image], { patchSize: 8, perImage: 5 }).patches,
    );
  });
});
