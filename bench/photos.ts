/**
 * Photos: what keeping the source's colour space and metadata costs and buys.
 *
 * - Colour: a Display P3 photo of saturated colours (8- and 16-bit) decoded and written back the
 *   engine's way (samples stay in P3, the profile goes with them) against the peer way for 8-bit
 *   (an sRGB working space: convert for the model, back to P3 on output). Largest sample error
 *   and the share of samples that moved.
 * - Carrier: encoding a 12 MP image with the source's EXIF/XMP/ICC (through the .v trailer)
 *   against encoding it bare; the ratio is the price of keeping metadata.
 * - RAW: developing a synthetic 12 MP DNG with LibRaw (wasm), in seconds.
 *
 * Prints one JSON line on stdout. Usage: node bin/run-ts.mjs bench/photos.ts
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../src/ml/data/decode-image';
import { encodeImage, encodeImageToBuffer } from '../src/ml/data/encode-image';
import type { FloatImage } from '../src/ml/data/image';
import { denoiseNote } from '../src/ml/data/metadata';
import { makeDng } from '../src/test-support/photo-metadata';
import { round } from './lib/stats';

const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** Every combination of saturated and dark primaries: the corners of the P3 gamut and ramps. */
function saturated(width: number, height: number, is16: boolean): Uint8Array | Uint16Array {
  const max = is16 ? 65535 : 255;
  const out = is16 ? new Uint16Array(width * height * 3) : new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      out[p] = Math.round((max * x) / (width - 1));
      out[p + 1] = Math.round((max * y) / (height - 1));
      out[p + 2] = Math.round((max * ((x + y) % 64)) / 63);
    }
  }
  return out;
}

async function storedSamples(file: string, is16: boolean): Promise<Buffer> {
  return sharp(file, { ignoreIcc: true }).toColourspace(is16 ? 'rgb16' : 'srgb').raw(is16 ? { depth: 'ushort' } : {}).toBuffer();
}

function compare(a: Buffer, b: Buffer, is16: boolean): { maxError: number; changedFraction: number } {
  let maxError = 0;
  let changed = 0;
  const step = is16 ? 2 : 1;
  for (let i = 0; i < a.length; i += step) {
    const d = is16 ? Math.abs(a.readUInt16LE(i) - b.readUInt16LE(i)) : Math.abs((a[i] as number) - (b[i] as number));
    maxError = Math.max(maxError, d);
    if (d > 0) changed++;
  }
  return { maxError, changedFraction: round(changed / (a.length / step), 4) };
}

async function colourRoundTrip(dir: string, is16: boolean): Promise<Record<string, unknown>> {
  const [w, h] = [256, 256];
  const input = join(dir, `p3-${is16 ? 16 : 8}.png`);
  // Samples written as P3 values directly (16-bit: sharp works in P3, so tagging keeps them; 8-bit:
  // the 16-bit file cast down with its profile kept), so the corners lie outside sRGB's gamut.
  const p3 = await sharp(await sharp(saturated(w, h, true), { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toBuffer())
    .toColourspace('rgb16')
    .withIccProfile('p3')
    .png()
    .toBuffer();
  await fs.writeFile(input, is16 ? p3 : await sharp(p3).keepIccProfile().toColourspace('srgb').png().toBuffer());

  const ours = join(dir, `ours-${is16 ? 16 : 8}.png`);
  await encodeImage(await decodeImage(input), ours);
  const source = await storedSamples(input, is16);
  const result: Record<string, unknown> = {
    bitDepth: is16 ? 16 : 8,
    unit: is16 ? '1/65535' : '1/255',
    sourceSpace: compare(source, await storedSamples(ours, is16), is16),
    sameProfile: Buffer.from((await sharp(ours).metadata()).icc ?? []).equals(Buffer.from((await sharp(input).metadata()).icc ?? [])),
  };
  if (!is16) {
    // The peer: an sRGB working space (convert for the model, back to P3 on output). sharp has no
    // 16-bit sRGB path from a P3 file (it works in P3 at 16 bits), so 8-bit only.
    const peer = join(dir, 'peer-8.png');
    const srgb = await sharp(input).toColourspace('srgb').png().toBuffer();
    await fs.writeFile(peer, await sharp(srgb).withIccProfile('p3').png().toBuffer());
    result.viaSrgb = compare(source, await storedSamples(peer, false), false);
  }
  return result;
}

async function time(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - start) / repeats / 1000;
}

async function carrierCost(dir: string): Promise<Record<string, unknown>> {
  const [w, h] = [4000, 3000];
  const file = join(dir, 'camera.jpg');
  await fs.writeFile(
    file,
    await sharp(saturated(w, h, false), { raw: { width: w, height: h, channels: 3 } })
      .withExif({ IFD0: { Make: 'Bench', Model: 'Twelve' } })
      .withIccProfile('p3')
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta>')
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  const image = await decodeImage(file);
  const bare: FloatImage = { ...image };
  delete bare.source;
  const out: Record<string, unknown> = { megapixels: (w * h) / 1e6 };
  for (const [format, bitDepth] of [['jpeg', 8], ['png', 16]] as const) {
    const withMeta = await time(() => encodeImageToBuffer(image, { format, bitDepth, note: denoiseNote('bench') }), 2);
    const without = await time(() => encodeImageToBuffer(bare, { format, bitDepth }), 2);
    out[`${format}${bitDepth}`] = { withMetadataSeconds: round(withMeta, 3), bareSeconds: round(without, 3), ratio: round(withMeta / without, 3) };
  }
  return out;
}

async function rawDevelop(dir: string): Promise<Record<string, unknown>> {
  const [w, h] = [4000, 3000];
  const file = join(dir, 'bench.dng');
  await fs.writeFile(file, makeDng({ width: w, height: h, sample: (x, y) => ((x * 13 + y * 7) * 37) % 60000 }));
  const start = performance.now();
  const image = await decodeImage(file);
  return { megapixels: (w * h) / 1e6, developSeconds: round((performance.now() - start) / 1000, 2), width: image.width, height: image.height };
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'bench-photos-'));
  try {
    log('colour round trips');
    const colour = [await colourRoundTrip(dir, false), await colourRoundTrip(dir, true)];
    log('metadata carrier on 12 MP');
    const carrier = await carrierCost(dir);
    log('RAW develop, 12 MP');
    const raw = await rawDevelop(dir);
    process.stdout.write(`${JSON.stringify({ bench: 'photos', colour, carrier, raw })}\n`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
