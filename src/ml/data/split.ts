import { DenoiseError } from '../../shared/errors';

export const DEFAULT_VAL_FRACTION = 0.1;

export interface SplitOptions {
  seed: number;
  /** Share of files held out for validation, in [0, 1). 0 means no validation set. */
  valFraction?: number;
}

export interface Split<T> {
  train: T[];
  val: T[];
}

const encoder = new TextEncoder();

/**
 * Names as every OS would write them: '/' separators and NFC, because macOS hands out NFD file
 * names and Windows uses '\', and the same folder must split the same way everywhere.
 */
export function canonicalName(name: string): string {
  return name.replace(/\\/g, '/').normalize('NFC');
}

/** MurmurHash3 (x86, 32-bit) of the UTF-8 bytes: tiny, well mixed, and fixed forever. */
function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const blocks = bytes.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const j = i * 4;
    let k = ((bytes[j] ?? 0) | ((bytes[j + 1] ?? 0) << 8) | ((bytes[j + 2] ?? 0) << 16) | ((bytes[j + 3] ?? 0) << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let i = rest - 1; i >= 0; i--) k = (k << 8) | (bytes[tail + i] ?? 0);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A file's position in [0, 1): it depends only on its name and the seed, never on the other files. */
export function splitScore(name: string, seed: number): number {
  return murmur3(encoder.encode(canonicalName(name)), seed) / 4294967296;
}

/**
 * Splits files into train and validation by name. A file goes to validation when its score is
 * below `valFraction`, so adding or removing other files never moves it (unlike a shuffled
 * split). With two or more files there is always at least one validation and one training file:
 * if the scores put none on a side, the file with the most extreme score crosses over.
 */
export function splitByFile<T extends { name: string }>(items: readonly T[], options: SplitOptions): Split<T> {
  const valFraction = options.valFraction ?? DEFAULT_VAL_FRACTION;
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new DenoiseError('E_INVALID_ARGUMENT', `The validation fraction must be in [0, 1), got ${valFraction}.`);
  }
  const scored = items.map((item) => ({ item, score: splitScore(item.name, options.seed) }));
  if (items.length < 2 || valFraction === 0) return { train: [...items], val: [] };

  const isVal = scored.map(({ score }) => score < valFraction);
  const extreme = (pick: (a: number, b: number) => boolean): number =>
    scored.reduce((best, s, i) => (pick(s.score, scored[best]?.score ?? 0) ? i : best), 0);
  if (!isVal.includes(true)) isVal[extreme((a, b) => a < b)] = true;
  if (!isVal.includes(false)) isVal[extreme((a, b) => a > b)] = false;

  const train: T[] = [];
  const val: T[] = [];
  scored.forEach(({ item }, i) => {
    if (isVal[i]) val.push(item);
    else train.push(item);
  });
  return { train, val };
}
