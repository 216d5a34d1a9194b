import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import { addCameraNoise, type CameraNoiseLayout } from './camera-noise';
import { finestScaleLevel } from './noise-level';
import { Rng } from './rng';

const SIZE = 64;
const PIXELS = SIZE * SIZE;

/** Mid-tone patches: a random base colour in [0.3, 0.7] with a gentle gradient and a little texture. */
function midTonePatches(patches: number, channels: 1 | 3, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(patches * PIXELS * channels);
  for (let p = 0; p < patches; p++) {
    const base = [0.3 + 0.4 * rng.next(), 0.3 + 0.4 * rng.next(), 0.3 + 0.4 * rng.next()];
    const slope = (rng.next() - 0.5) * 0.2;
    for (let i = 0; i < PIXELS; i++) {
      const x = i % SIZE;
      const y = Math.floor(i / SIZE);
      for (let c = 0; c < channels; c++) {
        out[(p * PIXELS + i) * channels + c] = (base[c] ?? 0) + slope * (x / SIZE - 0.5) + 0.03 * Math.sin(x / 3 + y / 5);
      }
    }
  }
  return out;
}

/** Lag-1 horizontal correlation of noisy - clean over one patch, all channels pooled. */
function horizontalCorrelation(noisy: Float32Array, clean: Float32Array, patch: number, channels: number): number {
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  let n = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE - 1; x++) {
      for (let c = 0; c < channels; c++) {
        const i = ((patch * SIZE + y) * SIZE + x) * channels + c;
        const a = (noisy[i] ?? 0) - (clean[i] ?? 0);
        const b = (noisy[i + channels] ?? 0) - (clean[i + channels] ?? 0);
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
        n++;
      }
    }
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

function meanCorrelation(noisy: Float32Array, clean: Float32Array, patches: number, channels: number): number {
  let sum = 0;
  for (let p = 0; p < patches; p++) sum += horizontalCorrelation(noisy, clean, p, channels);
  return sum / patches;
}

/** Population std of noisy - clean over one patch, on the 0..255 scale (the levels' definition). */
function patchStd(noisy: Float32Array, clean: Float32Array, patch: number, values: number): number {
  let sum = 0;
  let squares = 0;
  for (let i = patch * values; i < (patch + 1) * values; i++) {
    const d = (noisy[i] ?? 0) - (clean[i] ?? 0);
    sum += d;
    squares += d * d;
  }
  return Math.sqrt(squares / values - (sum / values) ** 2) * 255;
}

function expectInvalid(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DenoiseError);
    expect((error as DenoiseError).code).toBe('E_INVALID_ARGUMENT');
    expect((error as DenoiseError).message).toMatch(/^Camera noise: /);
    return;
  }
  throw new Error('expected E_INVALID_ARGUMENT');
}

describe('addCameraNoise', () => {
  it('returns the clean patch (to 8-bit rounding) without sensor noise and JPEG, for any colour', () => {
    // Uniform values over the whole cube: saturated colours, deep shadows and clipped highlights.
    const rng = new Rng(7);
    for (const channels of [3, 1] as const) {
      const clean = Float32Array.from({ length: 4 * PIXELS * channels }, () => rng.next());
      clean[0] = 0;
      clean[1] = 1;
      const { noisy, levels } = addCameraNoise(clean, new Rng(1), { patches: 4, patchSize: SIZE, channels }, { sensorNoise: false, jpeg: false });
      let worst = 0;
      for (let i = 0; i < clean.length; i++) worst = Math.max(worst, Math.abs((noisy[i] ?? 0) - (clean[i] ?? 0)));
      expect(worst * 255).toBeLessThanOrEqual(0.52); // 0.5 from rounding, 0.02 from the curve tables
      for (const level of levels) expect(level).toBeLessThan(0.35); // uniform rounding error: 1/sqrt(12)
    }
  });

  it('is fixed by the seed and changes with it', () => {
    const clean = midTonePatches(3, 3, 1);
    const layout: CameraNoiseLayout = { patches: 3, patchSize: SIZE, channels: 3 };
    const a = addCameraNoise(clean, new Rng(5), layout);
    const b = addCameraNoise(clean, new Rng(5), layout);
    const c = addCameraNoise(clean, new Rng(6), layout);
    expect(b.noisy).toEqual(a.noisy);
    expect(b.levels).toEqual(a.levels);
    let differing = 0;
    for (let i = 0; i < clean.length; i++) if (a.noisy[i] !== c.noisy[i]) differing++;
    expect(differing / clean.length).toBeGreaterThan(0.5);
  });

  it('gives 8-bit values in [0, 1] and leaves clean untouched', () => {
    const clean = midTonePatches(2, 3, 2);
    clean[5] = 0;
    clean[6] = 1;
    const copy = Float32Array.from(clean);
    const { noisy, levels } = addCameraNoise(clean, new Rng(3), { patches: 2, patchSize: SIZE, channels: 3 });
    expect(clean).toEqual(copy);
    expect(noisy).toHaveLength(clean.length);
    expect(levels).toHaveLength(2);
    for (const v of noisy) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
    }
  });

  it('adds more noise to mid-gray than to near-black for the same camera (signal-dependent)', () => {
    // The same seed draws the same camera, noise levels, JPEG quality and normals for both.
    for (const channels of [3, 1] as const) {
      for (let seed = 1; seed <= 12; seed++) {
        const layout: CameraNoiseLayout = { patches: 1, patchSize: SIZE, channels };
        const dark = addCameraNoise(new Float32Array(PIXELS * channels).fill(0.05), new Rng(seed), layout);
        const mid = addCameraNoise(new Float32Array(PIXELS * channels).fill(0.5), new Rng(seed), layout);
        // Measured over 40 seeds: mid / dark from 1.64 to 2.84.
        expect(mid.levels[0] ?? 0).toBeGreaterThan(1.3 * (dark.levels[0] ?? 0));
      }
    }
  });

  it('makes spatially correlated noise, and levels are its per-patch std', () => {
    const patches = 24;
    const clean = midTonePatches(patches, 3, 4);
    const { noisy, reference, levels } = addCameraNoise(clean, new Rng(8), { patches, patchSize: SIZE, channels: 3 });
    // Measured: 0.64 mean over 200 mid-tone patches (per patch 0.53 to 0.77).
    expect(meanCorrelation(noisy, clean, patches, 3)).toBeGreaterThan(0.4);
    for (let p = 0; p < patches; p++) {
      expect(levels[p]).toBeCloseTo(patchStd(noisy, reference, p, PIXELS * 3), 3);
      expect(levels[p]).toBeGreaterThan(0.5);
    }
    // The same statistic on white gaussian noise, to show it tells the two apart.
    const rng = new Rng(9);
    const white = Float32Array.from(clean, (v) => v + 0.02 * rng.normal());
    expect(Math.abs(meanCorrelation(white, clean, patches, 3))).toBeLessThan(0.05);
  });

  it('gives gray layouts one channel of correlated noise', () => {
    const patches = 12;
    const clean = midTonePatches(patches, 1, 5);
    const { noisy, reference, levels } = addCameraNoise(clean, new Rng(10), { patches, patchSize: SIZE, channels: 1 });
    expect(noisy).toHaveLength(patches * PIXELS);
    expect(reference).toHaveLength(patches * PIXELS);
    // Measured: 0.61 mean over 200 mid-tone gray patches.
    expect(meanCorrelation(noisy, clean, patches, 1)).toBeGreaterThan(0.4);
    for (let p = 0; p < patches; p++) expect(levels[p]).toBeCloseTo(patchStd(noisy, reference, p, PIXELS), 3);
    for (const v of [...noisy, ...reference]) expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
  });

  it("gives each patch's reference: the same camera's file without sensor noise, so the scene's compression error is not noise", () => {
    const patches = 8;
    const rng = new Rng(21);
    // Strong texture, which JPEG cannot keep: its compression error is large at the finest scale.
    const textured = Float32Array.from({ length: patches * PIXELS * 3 }, () => 0.2 + 0.6 * rng.next());
    const layout: CameraNoiseLayout = { patches, patchSize: SIZE, channels: 3 };
    // Without sensor noise the file is the reference, byte for byte.
    const quiet = addCameraNoise(textured, new Rng(5), layout, { sensorNoise: false });
    expect(Array.from(quiet.noisy)).toEqual(Array.from(quiet.reference));
    for (const level of quiet.levels) expect(level).toBe(0);
    // Without JPEG the reference is the clean patch to 8-bit rounding.
    const unsaved = addCameraNoise(textured, new Rng(5), layout, { jpeg: false });
    for (let i = 0; i < textured.length; i++) expect(Math.abs((unsaved.reference[i] ?? 0) - (textured[i] ?? 0)) * 255).toBeLessThanOrEqual(0.52);
    // Saved as JPEG, the reference carries the texture's compression error, and the noise
    // measured against it leaves that error out: far less of it sits at the finest scale.
    const { noisy, reference } = addCameraNoise(textured, new Rng(5), layout);
    for (let p = 0; p < patches; p++) {
      const start = p * PIXELS * 3;
      expect(patchStd(reference, textured, p, PIXELS * 3)).toBeGreaterThan(1);
      expect(finestScaleLevel(noisy, reference, start, SIZE, 3)).toBeLessThan(0.8 * finestScaleLevel(noisy, textured, start, SIZE, 3));
    }
  });

  it('handles sizes that are not multiples of 8 and an empty batch', () => {
    const clean = new Float32Array(2 * 10 * 10 * 3).fill(0.4);
    const { noisy, levels } = addCameraNoise(clean, new Rng(1), { patches: 2, patchSize: 10, channels: 3 });
    expect(noisy).toHaveLength(clean.length);
    expect(levels.every((l) => l > 0)).toBe(true);
    const empty = addCameraNoise(new Float32Array(0), new Rng(1), { patches: 0, patchSize: 64, channels: 3 });
    expect(empty.noisy).toHaveLength(0);
    expect(empty.levels).toHaveLength(0);
  });

  it('refuses bad layouts and values with E_INVALID_ARGUMENT', () => {
    const rng = new Rng(1);
    expectInvalid(() => addCameraNoise(new Float32Array(2 * 9 * 9 * 3), rng, { patches: 2, patchSize: 9, channels: 3 }));
    expectInvalid(() => addCameraNoise(new Float32Array(0), rng, { patches: 0, patchSize: 0, channels: 3 }));
    expectInvalid(() => addCameraNoise(new Float32Array(64 * 3 - 1), rng, { patches: 1, patchSize: 8, channels: 3 }));
    expectInvalid(() => addCameraNoise(new Float32Array(64 * 3 * 3), rng, { patches: 2, patchSize: 8, channels: 3 }));
    expectInvalid(() => addCameraNoise(new Float32Array(64 * 2), rng, { patches: 1, patchSize: 8, channels: 2 as 1 }));
    expectInvalid(() => addCameraNoise(new Float32Array(64), rng, { patches: 0.5, patchSize: 8, channels: 1 }));
    const withNaN = new Float32Array(64).fill(0.5);
    withNaN[10] = Number.NaN;
    expectInvalid(() => addCameraNoise(withNaN, rng, { patches: 1, patchSize: 8, channels: 1 }));
  });
});

describe('addCameraNoise: in-camera noise reduction', () => {
  it('leaves lower-frequency noise: less of it at the finest scale, relative to its spread', () => {
    const layout: CameraNoiseLayout = { patches: 12, patchSize: SIZE, channels: 3 };
    const clean = midTonePatches(layout.patches, 3, 5);
    const finestShare = (noiseReductionSigma: number): number => {
      const { noisy } = addCameraNoise(clean, new Rng(8), layout, { jpeg: false, noiseReductionSigma });
      let share = 0;
      const per = PIXELS * 3;
      for (let p = 0; p < layout.patches; p++) {
        let sq = 0;
        for (let i = p * per; i < (p + 1) * per; i++) sq += ((noisy[i] as number) - (clean[i] as number)) ** 2;
        share += finestScaleLevel(noisy, clean, p * per, SIZE, 3) / (Math.sqrt(sq / per) * 255);
      }
      return share / layout.patches;
    };
    const none = finestShare(0);
    const strong = finestShare(1.5);
    expect(none).toBeGreaterThan(0.3);
    expect(strong).toBeLessThan(0.6 * none);
  });
});

describe('addCameraNoise: chroma subsampling', () => {
  it('saves 4:2:0 by default, which leaves less chroma noise at the finest scale than 4:4:4', () => {
    const layout: CameraNoiseLayout = { patches: 8, patchSize: SIZE, channels: 3 };
    const clean = midTonePatches(layout.patches, 3, 6);
    /** RMS of the 2 x 2 diagonal detail of the noise's blue-difference chroma, pooled over patches. */
    const chromaFinest = (noisy: Float32Array): number => {
      const cb = (i: number): number => {
        const d = (c: number): number => (noisy[i * 3 + c] as number) - (clean[i * 3 + c] as number);
        return -0.168736 * d(0) - 0.331264 * d(1) + 0.5 * d(2);
      };
      let sum = 0;
      let count = 0;
      for (let p = 0; p < layout.patches; p++) {
        for (let y = 0; y + 1 < SIZE; y += 2) {
          for (let x = 0; x + 1 < SIZE; x += 2) {
            const i = p * PIXELS + y * SIZE + x;
            sum += ((cb(i) - cb(i + 1) - cb(i + SIZE) + cb(i + SIZE + 1)) / 2) ** 2;
            count++;
          }
        }
      }
      return Math.sqrt(sum / count);
    };
    // No noise reduction, so that only the JPEG layout differs between the two runs.
    const byDefault = addCameraNoise(clean, new Rng(4), layout, { noiseReductionSigma: 0 }).noisy;
    const full = addCameraNoise(clean, new Rng(4), layout, { noiseReductionSigma: 0, chroma: '4:4:4' }).noisy;
    expect(chromaFinest(byDefault)).toBeLessThan(0.5 * chromaFinest(full));
  });
});
