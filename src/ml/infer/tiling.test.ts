import { describe, expect, it } from 'vitest';
import { DenoiseError } from '../../shared/errors';
import { axisProfile, blendWindow, chooseTileSize, minTileSize, planTiles, tileProfiles } from './tiling';

describe('planTiles', () => {
  const sizes: Array<[number, number]> = [
    [1, 1],
    [7, 300],
    [64, 64],
    [65, 64],
    [203, 141],
    [1000, 37],
  ];
  for (const [w, h] of sizes) {
    it(`covers a ${w}x${h} image with network-sized tiles`, () => {
      const plan = planTiles(w, h, 64, 6, { sizeMultiple: 4, blend: 8 });
      expect(plan.tileWidth % 4).toBe(0);
      expect(plan.tileHeight % 4).toBe(0);
      const covered = new Uint8Array(w * h);
      for (const t of plan.tiles) {
        expect(t.x).toBeGreaterThanOrEqual(0);
        expect(t.y).toBeGreaterThanOrEqual(0);
        for (let y = t.y; y < Math.min(h, t.y + plan.tileHeight); y++) {
          for (let x = t.x; x < Math.min(w, t.x + plan.tileWidth); x++) covered[y * w + x] = 1;
        }
      }
      expect(covered.every((v) => v === 1)).toBe(true);
      // Larger than a tile: shifted inward, never past the border (no padding).
      if (w >= 64) expect(Math.max(...plan.xs) + plan.tileWidth).toBe(w);
      if (h >= 64) expect(Math.max(...plan.ys) + plan.tileHeight).toBe(h);
    });
  }

  it('pads an image smaller than a tile only up to the next size the network accepts', () => {
    const plan = planTiles(30, 13, 64, 6, { sizeMultiple: 8 });
    expect(plan.tiles).toHaveLength(1);
    expect([plan.tileWidth, plan.tileHeight]).toEqual([32, 16]);
  });

  it('keeps the regular stride a multiple of sizeMultiple', () => {
    const plan = planTiles(1000, 70, 64, 5, { sizeMultiple: 4, blend: 7 });
    const strides = plan.xs.slice(1, -1).map((x, i) => x - (plan.xs[i] as number));
    expect(strides.every((s) => s % 4 === 0)).toBe(true);
    expect(plan.ramp).toBe(64 - 2 * 5 - (strides[0] as number));
  });

  it('refuses bad arguments', () => {
    expect(() => planTiles(0, 10, 64, 4)).toThrow(DenoiseError);
    expect(() => planTiles(100, 100, 62, 4, { sizeMultiple: 4 })).toThrow(DenoiseError);
    expect(() => planTiles(100, 100, 64, -1)).toThrow(DenoiseError);
    // A tile too small for its overlap cannot step across a larger image...
    expect(() => planTiles(500, 500, 64, 24, { blend: 16 })).toThrow(DenoiseError);
    // ...but minTileSize always can.
    expect(() => planTiles(500, 500, minTileSize(24, 4, 16), 24, { sizeMultiple: 4, blend: 16 })).not.toThrow();
  });
});

describe('blend weights', () => {
  it('blendWindow is zero over the overlap, ramps, and is flat in the middle', () => {
    const w = blendWindow(64, 5, 8);
    for (let i = 0; i < 5; i++) {
      expect(w[i]).toBe(0);
      expect(w[63 - i]).toBe(0);
    }
    for (let i = 5; i < 13; i++) {
      expect(w[i]).toBeGreaterThan(0);
      expect(w[i]).toBeLessThan(1);
      expect(w[i]).toBeCloseTo(w[63 - i] as number, 7);
    }
    for (let i = 13; i < 51; i++) expect(w[i]).toBe(1);
  });

  it('ramps of neighbours add up to exactly one', () => {
    const w = axisProfile(40, 3, 10, true, false);
    for (let i = 0; i < 10; i++) expect((w[3 + i] as number) + (w[3 + 9 - i] as number)).toBeCloseTo(1, 6);
  });

  it('weights of a regular grid sum to one everywhere without normalising', () => {
    // 64-px tiles, overlap 4, blend 8 give stride 48; three tiles span 64 + 2 * 48 = 160.
    const plan = planTiles(160, 208, 64, 4, { blend: 8 });
    expect(plan.xs).toEqual([0, 48, 96]);
    expect(plan.ys).toEqual([0, 48, 96, 144]);
    const { sumX, sumY } = tileProfiles(plan);
    for (const s of [...sumX, ...sumY]) expect(s).toBeCloseTo(1, 6);
  });

  it('weights with a shifted edge tile are positive everywhere (then normalised)', () => {
    for (const [w, h] of [
      [203, 141],
      [65, 64],
      [1000, 37],
    ] as const) {
      const plan = planTiles(w, h, 64, 6, { sizeMultiple: 4, blend: 8 });
      const { sumX, sumY } = tileProfiles(plan);
      expect(Math.min(...sumX)).toBeGreaterThan(0);
      expect(Math.min(...sumY)).toBeGreaterThan(0);
    }
  });
});

describe('chooseTileSize', () => {
  it('uses 512 by default, gray or colour', () => {
    expect(chooseTileSize({ channels: 3 })).toBe(512);
    expect(chooseTileSize({ channels: 1 })).toBe(512);
  });

  it('shrinks to fit the memory budget, in steps of 64 and never below 64', () => {
    const t = chooseTileSize({ channels: 3, availableBytes: 256 * 2 ** 20, tileBatch: 4 });
    expect(t).toBeLessThan(512);
    expect(t % 64).toBe(0);
    expect(4 * t * t * 4 * (64 * 4 + 6)).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(chooseTileSize({ channels: 1, availableBytes: 1000 })).toBe(64);
    expect(chooseTileSize({ channels: 1, availableBytes: 2 ** 40 })).toBe(512);
  });
});
