import { describe, expect, it, vi } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import type { FloatImage } from '../data/image';
import { maxAbsDiff, seededFloatImage } from '../../test-support/float-images';
import { denoiseTiled, type DenoiseTiledOptions, type RunTiles } from './denoise-image';
import { planTiles } from './tiling';

type Pad = 'reflect' | 'zero';

/** (2r+1)^2 box blur of HWC data: a local operator whose receptive radius is exactly r. */
function boxBlur(data: Float32Array, w: number, h: number, c: number, r: number, pad: Pad): Float32Array {
  const out = new Float32Array(data.length);
  const at = (i: number, n: number): number => {
    if (i >= 0 && i < n) return i;
    if (pad === 'zero') return -1;
    return i < 0 ? -i : 2 * (n - 1) - i;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = at(y + dy, h);
          if (yy < 0) continue;
          for (let dx = -r; dx <= r; dx++) {
            const xx = at(x + dx, w);
            if (xx < 0) continue;
            s += data[(yy * w + xx) * c + ch] as number;
          }
        }
        out[(y * w + x) * c + ch] = s / (2 * r + 1) ** 2;
      }
    }
  }
  return out;
}

/** Applies a per-tile operator to each tile of the batch, the way a network would. */
function perTile(op: (tile: Float32Array, w: number, h: number, c: number, index: number) => Float32Array): RunTiles & { calls: number[] } {
  let seen = 0;
  const calls: number[] = [];
  const run = async (batch: Float32Array, n: number, th: number, tw: number, c: number): Promise<Float32Array> => {
    calls.push(n);
    const out = new Float32Array(batch.length);
    const len = th * tw * c;
    for (let t = 0; t < n; t++) out.set(op(batch.subarray(t * len, (t + 1) * len), tw, th, c, seen++), t * len);
    return out;
  };
  return Object.assign(run, { calls });
}

const identity = (): RunTiles & { calls: number[] } => perTile((tile) => tile.slice());

function gradientImage(w: number, h: number, c: 1 | 3): FloatImage {
  const data = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = (x + 0.5) / w;
  return { width: w, height: h, channels: c, data, bitDepth: 16 };
}

/**
 * What a whole-image run of a net that takes multiples of `m` computes: the image extended by
 * reflection to those multiples, the operator over it, the original area kept.
 */
function wholeRun(img: FloatImage, m: number, op: (data: Float32Array, w: number, h: number, c: number) => Float32Array): Float32Array {
  const [w, h, c] = [img.width, img.height, img.channels];
  const W = Math.ceil(w / m) * m;
  const H = Math.ceil(h / m) * m;
  const reflect = (i: number, n: number): number => (i < n ? i : 2 * (n - 1) - i);
  const padded = new Float32Array(W * H * c);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < c; k++) padded[(y * W + x) * c + k] = img.data[(reflect(y, h) * w + reflect(x, w)) * c + k] as number;
  const out = op(padded, W, H, c);
  const cropped = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) cropped.set(out.subarray(y * W * c, (y * W + w) * c), y * w * c);
  return cropped;
}

const base: DenoiseTiledOptions = { tileSize: 48, overlap: 2, tileBatch: 3, sizeMultiple: 4, blend: 6 };

describe('denoiseTiled: equals a whole-image run of a local operator', () => {
  for (const pad of ['reflect', 'zero'] as const) {
    for (const [w, h, c] of [
      [101, 77, 3],
      [130, 49, 1],
    ] as const) {
      it(`${w}x${h}x${c}, ${pad} padding, overlap = receptive radius`, async () => {
        const img = seededFloatImage(w, h, c);
        const whole = wholeRun(img, 4, (d, W, H, C) => boxBlur(d, W, H, C, 2, pad));
        const run = perTile((t, tw, th, tc) => boxBlur(t, tw, th, tc, 2, pad));
        const out = await denoiseTiled(img, run, base);
        expect(planTiles(w, h, 48, 2, { sizeMultiple: 4, blend: 6 }).tiles.length).toBeGreaterThan(3);
        // Edge tiles sit on the border of the image as extended to multiples of 4, as the whole
        // run sees it, so even the border rows and columns match.
        expect(maxAbsDiff(out.data, whole)).toBeLessThan(1e-5);
      });
    }
  }

  it('is not exact when the overlap is smaller than the receptive radius (the test can fail)', async () => {
    const img = seededFloatImage(101, 77, 1);
    const whole = boxBlur(img.data, 101, 77, 1, 3, 'zero');
    const run = perTile((t, tw, th, tc) => boxBlur(t, tw, th, tc, 3, 'zero'));
    const out = await denoiseTiled(img, run, { ...base, overlap: 1 });
    expect(maxAbsDiff(out.data, whole)).toBeGreaterThan(1e-3);
  });

  it('an image smaller than a tile (odd size, padded by reflection) matches away from the padded border', async () => {
    const [w, h] = [29, 17];
    const img = seededFloatImage(w, h, 3, 7);
    const whole = boxBlur(img.data, w, h, 3, 2, 'reflect');
    const sizes: Array<[number, number]> = [];
    const run = perTile((t, tw, th, tc) => {
      sizes.push([tw, th]);
      return boxBlur(t, tw, th, tc, 2, 'reflect');
    });
    const out = await denoiseTiled(img, run, { ...base, sizeMultiple: 8 });
    expect(sizes).toEqual([[32, 24]]);
    let err = 0;
    for (let y = 0; y < h - 2; y++) {
      for (let x = 0; x < w - 2; x++) {
        for (let k = 0; k < 3; k++) err = Math.max(err, Math.abs((out.data[(y * w + x) * 3 + k] as number) - (whole[(y * w + x) * 3 + k] as number)));
      }
    }
    expect(err).toBeLessThan(1e-5);
  });

  it('a 1x1 image works', async () => {
    const img: FloatImage = { width: 1, height: 1, channels: 1, data: new Float32Array([0.25]), bitDepth: 8 };
    const out = await denoiseTiled(img, identity(), base);
    expect(Array.from(out.data)).toEqual([0.25]);
  });
});

describe('denoiseTiled: no seams', () => {
  /** Largest |difference| between neighbouring columns, split into columns next to a tile
   * boundary (tile edges and the ends of crossfades) and all the others. */
  function columnSteps(img: FloatImage, boundaries: Set<number>): { atBorders: number; elsewhere: number } {
    const { width: w, height: h, channels: c, data } = img;
    let atBorders = 0;
    let elsewhere = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x + 1 < w; x++) {
        for (let k = 0; k < c; k++) {
          const d = Math.abs((data[(y * w + x + 1) * c + k] as number) - (data[(y * w + x) * c + k] as number));
          if (boundaries.has(x)) atBorders = Math.max(atBorders, d);
          else elsewhere = Math.max(elsewhere, d);
        }
      }
    }
    return { atBorders, elsewhere };
  }

  function tileBoundaryColumns(w: number, h: number, o: DenoiseTiledOptions): Set<number> {
    const plan = planTiles(w, h, o.tileSize, o.overlap, { sizeMultiple: o.sizeMultiple, blend: o.blend ?? 16 });
    const cols = new Set<number>();
    for (const x of plan.xs) {
      for (const edge of [x, x + plan.overlap, x + plan.overlap + plan.ramp, x + plan.tileWidth - plan.overlap - plan.ramp, x + plan.tileWidth - plan.overlap, x + plan.tileWidth]) {
        for (const d of [-1, 0]) if (edge + d >= 0 && edge + d < w - 1) cols.add(edge + d);
      }
    }
    return cols;
  }

  it('a horizontal gradient and a flat image through identity tiles come out unchanged, without steps', async () => {
    const [w, h] = [157, 40];
    const borders = tileBoundaryColumns(w, h, base);
    expect(borders.size).toBeGreaterThan(10);
    const grad = gradientImage(w, h, 3);
    const out = await denoiseTiled(grad, identity(), base);
    expect(maxAbsDiff(out.data, grad.data)).toBeLessThan(1e-6);
    const g = columnSteps(out, borders);
    expect(g.atBorders).toBeLessThanOrEqual(g.elsewhere + 1e-6);

    const flat: FloatImage = { width: w, height: h, channels: 1, data: new Float32Array(w * h).fill(0.6), bitDepth: 8 };
    const outFlat = await denoiseTiled(flat, identity(), base);
    const f = columnSteps(outFlat, borders);
    expect(f.atBorders).toBeLessThan(1e-6);
    expect(f.elsewhere).toBeLessThan(1e-6);
  });

  it('tiles that disagree (a per-tile brightness offset) fade into each other instead of stepping', async () => {
    const [w, h] = [157, 40];
    const flat: FloatImage = { width: w, height: h, channels: 1, data: new Float32Array(w * h).fill(0.5), bitDepth: 8 };
    const offsetTiles = (): RunTiles =>
      perTile((t, _w, _h, _c, index) => t.map((v) => v + (index % 2 === 0 ? 0 : 0.02)));
    const smooth = await denoiseTiled(flat, offsetTiles(), { ...base, tileBatch: 1, blend: 16, tileSize: 64 });
    const hard = await denoiseTiled(flat, offsetTiles(), { ...base, tileBatch: 1, blend: 0, tileSize: 64 });
    const stepsOf = (img: FloatImage): number => columnSteps(img, new Set()).elsewhere;
    // A hard cut shows the whole 0.02 jump; a 16-px raised cosine at most 0.02 * pi / 32.
    expect(stepsOf(hard)).toBeGreaterThan(0.019);
    expect(stepsOf(smooth)).toBeLessThan((0.02 * Math.PI) / 32 + 1e-6);
  });
});

describe('denoiseTiled: options', () => {
  it('strength 0 returns the input without running the network; 0.5 mixes', async () => {
    const img = seededFloatImage(50, 30, 3);
    const run = vi.fn(identity());
    const out0 = await denoiseTiled(img, run, { ...base, strength: 0 });
    expect(run).not.toHaveBeenCalled();
    expect(out0.data).toEqual(img.data);
    expect(out0.data).not.toBe(img.data);

    const half = await denoiseTiled(img, perTile((t) => t.map(() => 0)), { ...base, strength: 0.5 });
    expect(maxAbsDiff(half.data, img.data.map((v) => v / 2))).toBeLessThan(1e-6);
    await expect(denoiseTiled(img, run, { ...base, strength: 1.5 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('keeps alpha and bit depth and clamps to [0, 1] unless told not to', async () => {
    const img = { ...gradientImage(60, 20, 1), alpha: new Float32Array(60 * 20).fill(0.5) };
    const bright = perTile((t) => t.map((v) => v * 3 - 1));
    const out = await denoiseTiled(img, bright, base);
    expect(out.bitDepth).toBe(16);
    expect(out.alpha).toEqual(img.alpha);
    expect(Math.min(...out.data)).toBe(0);
    expect(Math.max(...out.data)).toBe(1);
    const raw = await denoiseTiled(img, bright, { ...base, clamp: false });
    expect(Math.min(...raw.data)).toBeLessThan(0);
  });

  it('reports progress per batch', async () => {
    const img = seededFloatImage(130, 49, 1);
    const total = planTiles(130, 49, 48, 2, { sizeMultiple: 4, blend: 6 }).tiles.length;
    const seen: Array<[number, number]> = [];
    await denoiseTiled(img, identity(), { ...base, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen[0]).toEqual([0, total]);
    expect(seen.at(-1)).toEqual([total, total]);
    expect(seen.map(([d]) => d)).toEqual([...seen.map(([d]) => d)].sort((a, b) => a - b));
  });

  it('rejects a model that returns tiles of another shape', async () => {
    const img = seededFloatImage(60, 20, 3);
    const bad: RunTiles = async (batch) => batch.subarray(0, batch.length / 3);
    await expect(denoiseTiled(img, bad, base)).rejects.toMatchObject({ code: 'E_MODEL_INCOMPATIBLE' });
  });
});

describe('denoiseTiled: cancellation', () => {
  it('throws E_CANCELLED between tile batches', async () => {
    const img = seededFloatImage(130, 100, 1);
    const ac = new AbortController();
    const run = perTile((t) => t.slice());
    const cancelling: RunTiles = async (...args) => {
      const out = await run(...args);
      ac.abort();
      return out;
    };
    await expect(denoiseTiled(img, cancelling, { ...base, tileBatch: 1, signal: ac.signal })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
    expect(run.calls).toHaveLength(1);
  });

  it('throws E_CANCELLED before any work when already aborted', async () => {
    const run = vi.fn(identity());
    const p = denoiseTiled(seededFloatImage(60, 20, 1), run, { ...base, signal: AbortSignal.abort() });
    await expect(p).rejects.toBeInstanceOf(DenoiseError);
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(run).not.toHaveBeenCalled();
  });
});

describe('denoiseTiled: out-of-memory recovery', () => {
  it('halves the tile batch and then succeeds', async () => {
    const img = seededFloatImage(130, 100, 3);
    const inner = identity();
    const run: RunTiles = async (batch, n, th, tw, c) => {
      if (n > 2) throw new DenoiseError('E_GPU_OOM', 'too big');
      return inner(batch, n, th, tw, c);
    };
    const retries: Array<[number, number]> = [];
    const out = await denoiseTiled(img, run, { ...base, tileBatch: 8, onRetry: (r) => retries.push([r.tileSize, r.tileBatch]) });
    expect(retries).toEqual([
      [48, 4],
      [48, 2],
    ]);
    expect(Math.max(...inner.calls)).toBe(2);
    expect(maxAbsDiff(out.data, img.data)).toBeLessThan(1e-6);
  });

  it('then halves the tile size (tfjs-node-gpu message) and still matches the operator', async () => {
    const [w, h] = [101, 77];
    const img = seededFloatImage(w, h, 1);
    const whole = wholeRun(img, 4, (d, W, H, C) => boxBlur(d, W, H, C, 2, 'zero'));
    const blur = perTile((t, tw, th, tc) => boxBlur(t, tw, th, tc, 2, 'zero'));
    const shapes: string[] = [];
    const run: RunTiles = async (batch, n, th, tw, c) => {
      shapes.push(`${n}x${th}x${tw}`);
      if (n * th * tw > 40 * 40) {
        throw new Error(`Invalid TF_Status: 8\nMessage: OOM when allocating tensor with shape[${n},64,${th},${tw}] and type float`);
      }
      return blur(batch, n, th, tw, c);
    };
    const out = await denoiseTiled(img, run, { ...base, tileSize: 64, tileBatch: 2 });
    expect(shapes.slice(0, 3)).toEqual(['2x64x64', '1x64x64', '1x32x32']);
    expect(maxAbsDiff(out.data, whole)).toBeLessThan(1e-5);
  });

  it('gives up with E_GPU_OOM below the smallest tile, and passes other errors through', async () => {
    const img = seededFloatImage(130, 100, 1);
    const alwaysOom: RunTiles = async () => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    await expect(denoiseTiled(img, alwaysOom, base)).rejects.toMatchObject({ code: 'E_GPU_OOM' });
    const broken: RunTiles = async () => {
      throw new Error('Error in conv2d: depth of input must match');
    };
    await expect(denoiseTiled(img, broken, base)).rejects.toThrow('depth of input');
  });
});
