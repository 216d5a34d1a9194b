import { describe, expect, it } from 'vitest';
import { canonicalName, splitByFile, splitScore } from './split';

const files = (n: number, prefix = 'img'): { name: string }[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${String(i).padStart(4, '0')}.png` }));

const names = (items: { name: string }[]): string[] => items.map((i) => i.name);

describe('splitByFile', () => {
  it('is deterministic and partitions the input', () => {
    const items = files(200);
    const a = splitByFile(items, { seed: 7 });
    const b = splitByFile([...items].reverse(), { seed: 7 });
    expect(new Set(names(a.val))).toEqual(new Set(names(b.val)));
    expect(a.train.length + a.val.length).toBe(200);
    expect(new Set([...names(a.train), ...names(a.val)]).size).toBe(200);
  });

  it('keeps every file on its side when other files are added', () => {
    const before = splitByFile(files(100), { seed: 3, valFraction: 0.2 });
    const after = splitByFile([...files(100), ...files(100, 'new')], { seed: 3, valFraction: 0.2 });
    const afterVal = new Set(names(after.val));
    for (const name of names(before.val)) expect(afterVal.has(name)).toBe(true);
    for (const name of names(before.train)) expect(afterVal.has(name)).toBe(false);
  });

  it('holds out about valFraction of the files, and a different seed gives a different split', () => {
    const items = files(2000);
    const a = splitByFile(items, { seed: 1, valFraction: 0.1 });
    expect(a.val.length / 2000).toBeGreaterThan(0.08);
    expect(a.val.length / 2000).toBeLessThan(0.12);
    const b = splitByFile(items, { seed: 2, valFraction: 0.1 });
    expect(names(b.val)).not.toEqual(names(a.val));
  });

  it('always has a validation and a training file when there are two or more', () => {
    for (let seed = 0; seed < 50; seed++) {
      const two = splitByFile(files(2), { seed, valFraction: 0.01 });
      expect(two.val).toHaveLength(1);
      expect(two.train).toHaveLength(1);
      const most = splitByFile(files(3), { seed, valFraction: 0.99 });
      expect(most.train.length).toBeGreaterThanOrEqual(1);
    }
    expect(splitByFile(files(1), { seed: 0 })).toEqual({ train: files(1), val: [] });
    expect(splitByFile(files(5), { seed: 0, valFraction: 0 }).val).toEqual([]);
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => splitByFile(files(5), { seed: 0, valFraction: 1 })).toThrow(/validation fraction/);
    expect(() => splitByFile(files(5), { seed: 0, valFraction: -0.1 })).toThrow(/validation fraction/);
  });

  it('scores a name the same whatever the OS spelled it like', () => {
    const nfd = 'cafe\u0301/e\u0301te\u0301.png';
    expect(canonicalName(nfd)).toBe('café/été.png');
    expect(splitScore(nfd, 5)).toBe(splitScore('café/été.png', 5));
    expect(splitScore('a\\b.png', 5)).toBe(splitScore('a/b.png', 5));
    // Published MurmurHash3 x86_32 vectors: changing the hash would silently reshuffle every
    // saved run's split, so it is pinned.
    expect(splitScore('', 0)).toBe(0);
    expect(splitScore('hello', 0) * 2 ** 32).toBe(0x248bfa47);
    expect(splitScore('The quick brown fox jumps over the lazy dog', 0) * 2 ** 32).toBe(0x2e4ff723);
  });
});
