import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { adobeRgbLikeProfile, EXIF_TAG, grayGammaProfile, iptcBlock, readExifTags, withIptcSegment } from '../../test-support/photo-metadata';
import { denoiseTiled } from '../infer/denoise-image';
import { decodeImage } from './decode-image';
import { encodeImage, type EncodeOptions } from './encode-image';
import type { FloatImage } from './image';
import { iccColourSpace, iccDescription, NOTE_XMP_NAMESPACE, outputXmp } from './metadata';
import { vipsFields, withVipsFields } from './metadata-carrier';

/**
 * Round trips through decode -> an identity "model" (the real tiled inference path) -> encode,
 * compared with sharp's metadata() before and after: per metadata kind (EXIF, XMP, IPTC, ICC)
 * and per bit depth (8, 16).
 */

let dir: string;
const W = 48;
const H = 32;
const NOTE = { software: 'Denoise Studio 0.1.0', model: 'dae-gray <test> & co' };

beforeAll(async () => {
  dir = await makeTempDir('denoise-meta-test-');
});

afterAll(async () => {
  await removeTempDir(dir);
});

/** Saturated colours (pure green and red ramps are outside sRGB once tagged Display P3). */
function samples(bitDepth: 8 | 16, channels: 3 | 4): Uint8Array | Uint16Array {
  const max = bitDepth === 16 ? 65535 : 255;
  const out = bitDepth === 16 ? new Uint16Array(W * H * channels) : new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * channels;
      out[p] = Math.round((max * x) / (W - 1));
      out[p + 1] = y < H / 2 ? max : Math.round((max * y) / (H - 1));
      out[p + 2] = Math.round((max * ((x * 7 + y * 3) % 17)) / 16);
      if (channels === 4) out[p + 3] = Math.round((max * (x + y)) / (W + H - 2));
    }
  }
  return out;
}

/** A sharp pipeline over known samples, declared as `bitDepth`-bit RGB(A). */
function pixels(bitDepth: 8 | 16, channels: 3 | 4 = 3): Sharp {
  return sharp(samples(bitDepth, channels), { raw: { width: W, height: H, channels } }).toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb');
}

/** The built-in Display P3 profile attached to samples as they are (sharp would convert them). */
async function p3Profile(): Promise<Buffer> {
  const tagged = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).withIccProfile('p3').png().toBuffer();
  const icc = (await sharp(tagged).metadata()).icc;
  if (!icc) throw new Error('sharp did not attach its p3 profile');
  return icc;
}

/** Samples as stored in a file, with no colour conversion (the profile is ignored). */
async function storedSamples(file: string | Buffer): Promise<{ data: Buffer; depth: string; channels: number }> {
  const meta = await sharp(file).metadata();
  const is16 = meta.depth === 'ushort';
  const space = meta.channels === 1 || meta.channels === 2 ? (is16 ? 'grey16' : 'b-w') : is16 ? 'rgb16' : 'srgb';
  const { data, info } = await sharp(file, { ignoreIcc: true, autoOrient: true })
    .toColourspace(space)
    .raw(is16 ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  return { data, depth: meta.depth ?? '', channels: info.channels };
}

function maxDiff(a: Buffer, b: Buffer, is16: boolean): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  const step = is16 ? 2 : 1;
  for (let i = 0; i < a.length; i += step) {
    const d = is16 ? Math.abs(a.readUInt16LE(i) - b.readUInt16LE(i)) : Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    worst = Math.max(worst, d);
  }
  return worst;
}

/** Decode, run the identity model through the tiled inference path, encode. */
async function throughIdentity(input: string, output: string, options: EncodeOptions = {}): Promise<FloatImage> {
  const image = await decodeImage(input);
  const identity = async (batch: Float32Array): Promise<Float32Array> => batch.slice();
  const result = await denoiseTiled(image, identity, { tileSize: 40, overlap: 2, blend: 4, tileBatch: 2, sizeMultiple: 1 });
  await encodeImage(result, output, { note: NOTE, ...options });
  return result;
}

describe('colour profile (Display P3)', () => {
  for (const bitDepth of [8, 16] as const) {
    it(`keeps a ${bitDepth}-bit P3 PNG's samples and profile through an identity model`, async () => {
      const icc = await p3Profile();
      const input = join(dir, `p3-${bitDepth}.png`);
      const output = join(dir, `p3-${bitDepth}-out.png`);
      // keepIccProfile on a raw input attaches nothing, so the profile goes in through a first
      // file; for 16-bit sharp works in P3 already, so the samples stay as they are.
      const first = await pixels(bitDepth).png().toBuffer();
      await writeFile(input, await sharp(first).toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb').withIccProfile('p3').png().toBuffer());
      const before = await sharp(input).metadata();
      expect(before.depth).toBe(bitDepth === 16 ? 'ushort' : 'uchar');
      expect(iccDescription(before.icc ?? new Uint8Array())).toMatch(/P3/);

      const decoded = await throughIdentity(input, output);
      expect(decoded.source?.icc).toBeDefined();
      const after = await sharp(output).metadata();
      expect(after.depth).toBe(before.depth);
      expect(Buffer.from(after.icc ?? []).equals(Buffer.from(before.icc ?? []))).toBe(true);
      expect(iccColourSpace(after.icc ?? new Uint8Array())).toBe('RGB ');
      const a = await storedSamples(input);
      const b = await storedSamples(output);
      expect(maxDiff(a.data, b.data, bitDepth === 16)).toBe(0);
      expect(icc.length).toBeGreaterThan(0);
    });
  }

  it('shows the same colours as the input in a colour-managed reader (both converted to sRGB by sharp)', async () => {
    const input = join(dir, 'p3-view.png');
    await writeFile(input, await sharp(await pixels(8).png().toBuffer()).withIccProfile('p3').png().toBuffer());
    // sharp's default pipeline converts through the embedded profile, as a viewer would.
    const seenIn = await sharp(input).toColourspace('srgb').raw().toBuffer();
    for (const format of ['png', 'webp'] as const) {
      const output = join(dir, `p3-view-out.${format}`);
      await throughIdentity(input, output, { format, quality: 100 });
      const seenOut = await sharp(output).toColourspace('srgb').raw().toBuffer();
      expect(maxDiff(seenIn, seenOut, false), format).toBe(0);
    }
  });

  it('keeps an Adobe RGB photo in its own profile: same profile, same samples, same colours when viewed', async () => {
    const profile = join(dir, 'adobe-rgb.icc');
    await writeFile(profile, adobeRgbLikeProfile());
    const input = join(dir, 'adobe.png');
    const output = join(dir, 'adobe-out.png');
    await writeFile(input, await sharp(await pixels(8).png().toBuffer()).withIccProfile(profile).png().toBuffer());
    const before = await sharp(input).metadata();
    expect(iccDescription(before.icc ?? new Uint8Array())).toBe('Adobe RGB (1998) compatible (test)');
    await throughIdentity(input, output);
    const after = await sharp(output).metadata();
    expect(Buffer.from(after.icc ?? []).equals(Buffer.from(before.icc ?? []))).toBe(true);
    expect(maxDiff((await storedSamples(input)).data, (await storedSamples(output)).data, false)).toBe(0);
    const seenIn = await sharp(input).toColourspace('srgb').raw().toBuffer();
    const seenOut = await sharp(output).toColourspace('srgb').raw().toBuffer();
    expect(maxDiff(seenIn, seenOut, false)).toBe(0);
  });

  it('keeps a gray photo with a gray profile gray and tagged; forcing RGB drops the profile that no longer fits', async () => {
    const profile = join(dir, 'gray.icc');
    await writeFile(profile, grayGammaProfile());
    const input = join(dir, 'gray-tagged.png');
    const output = join(dir, 'gray-tagged-out.png');
    const gray = new Uint8Array(W * H).map((_, i) => (i * 7) % 256);
    const plain = await sharp(gray, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    await writeFile(input, await sharp(plain).withIccProfile(profile).toColourspace('b-w').png().toBuffer());
    const before = await sharp(input).metadata();
    expect(iccColourSpace(before.icc ?? new Uint8Array())).toBe('GRAY');

    await throughIdentity(input, output);
    const after = await sharp(output).metadata();
    expect(after.channels).toBe(1);
    expect(Buffer.from(after.icc ?? []).equals(Buffer.from(before.icc ?? []))).toBe(true);
    expect(maxDiff((await storedSamples(input)).data, (await storedSamples(output)).data, false)).toBe(0);

    const asRgb = await decodeImage(input, { channels: 3 });
    expect(asRgb.source?.icc).toBeUndefined();
  });

  it('keeps a P3 PNG with alpha: colour and alpha samples exact, 16-bit', async () => {
    const input = join(dir, 'p3-rgba16.png');
    const output = join(dir, 'p3-rgba16-out.png');
    await writeFile(input, await sharp(await pixels(16, 4).png().toBuffer()).toColourspace('rgb16').withIccProfile('p3').png().toBuffer());
    const decoded = await throughIdentity(input, output);
    expect(decoded.alpha).toBeDefined();
    const after = await sharp(output).metadata();
    expect(after).toMatchObject({ depth: 'ushort', channels: 4, hasAlpha: true });
    const a = await storedSamples(input);
    const b = await storedSamples(output);
    expect(b.channels).toBe(4);
    expect(maxDiff(a.data, b.data, true)).toBe(0);
  });
});

describe('bit depth follows the source', () => {
  it('writes 16-bit from a 16-bit PNG and a 16-bit TIFF, 8-bit from an 8-bit PNG, 16 when asked', async () => {
    const cases = [
      { name: 'd16.png', make: () => pixels(16).png(), out: 'd16-out.png', expected: 'ushort' },
      { name: 'd16.tif', make: () => pixels(16).tiff({ compression: 'deflate' }), out: 'd16-out.tif', expected: 'ushort' },
      { name: 'd8.png', make: () => pixels(8).png(), out: 'd8-out.png', expected: 'uchar' },
    ];
    for (const c of cases) {
      const input = join(dir, c.name);
      await writeFile(input, await c.make().toBuffer());
      await throughIdentity(input, join(dir, c.out));
      expect((await sharp(join(dir, c.out)).metadata()).depth, c.name).toBe(c.expected);
      expect(maxDiff((await storedSamples(input)).data, (await storedSamples(join(dir, c.out))).data, c.expected === 'ushort')).toBe(0);
    }
    await throughIdentity(join(dir, 'd8.png'), join(dir, 'd8-as16.png'), { bitDepth: 16 });
    expect((await sharp(join(dir, 'd8-as16.png')).metadata()).depth).toBe('ushort');
  });
});

const XMP = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"><dc:creator><rdf:Seq><rdf:li>Ann Example</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** A portrait JPEG stored sideways (Orientation 6) with EXIF, XMP, IPTC and a P3 profile. */
async function cameraJpeg(file: string): Promise<void> {
  const jpeg = await pixels(8)
    .withExif({ IFD0: { Make: 'Testmaker', Model: 'Synthetic One', Artist: 'Ann Example' }, IFD2: { ExposureTime: '1/250', ISOSpeedRatings: '800' } })
    .withMetadata({ orientation: 6 })
    .withIccProfile('p3')
    .withXmp(XMP)
    .jpeg({ quality: 95 })
    .toBuffer();
  await writeFile(file, withIptcSegment(jpeg, iptcBlock('Harbour', 'Boats at dusk')));
}

describe('EXIF, XMP and IPTC', () => {
  it('the source JPEG carries what the tests expect', async () => {
    const input = join(dir, 'camera.jpg');
    await cameraJpeg(input);
    const meta = await sharp(input).metadata();
    expect(meta).toMatchObject({ orientation: 6, width: W, height: H });
    expect(meta.iptc?.length).toBeGreaterThan(0);
    expect(meta.xmp?.length).toBeGreaterThan(0);
  });

  it('JPEG out: EXIF tags kept with Orientation 1 and the note in Software; XMP, IPTC and ICC kept', async () => {
    const input = join(dir, 'camera.jpg');
    const output = join(dir, 'camera-out.jpg');
    await cameraJpeg(input);
    const before = await sharp(input).metadata();
    await throughIdentity(input, output);
    const after = await sharp(output).metadata();

    // The pixels are upright now, so the size is the turned one and nothing asks to turn it again.
    expect(after).toMatchObject({ width: H, height: W });
    expect(after.orientation ?? 1).toBe(1);
    const tags = readExifTags(after.exif ?? new Uint8Array());
    expect(tags.get(EXIF_TAG.Orientation)).toBe(1);
    expect(tags.get(EXIF_TAG.Make)).toBe('Testmaker');
    expect(tags.get(EXIF_TAG.Model)).toBe('Synthetic One');
    expect(tags.get(EXIF_TAG.Artist)).toBe('Ann Example');
    expect(tags.get(EXIF_TAG.ExposureTime)).toBe('1/250');
    expect(tags.get(EXIF_TAG.ISO)).toBe(800);
    expect(tags.get(EXIF_TAG.Software)).toBe(NOTE.software);

    expect(Buffer.from(after.iptc ?? []).equals(Buffer.from(before.iptc ?? []))).toBe(true);
    expect(Buffer.from(after.icc ?? []).equals(Buffer.from(before.icc ?? []))).toBe(true);
    const xmp = after.xmpAsString ?? '';
    expect(xmp).toContain('<rdf:li>Ann Example</rdf:li>');
    expect(xmp).toContain('tiff:Orientation="1"');
    expect(xmp).toContain(NOTE_XMP_NAMESPACE);
    expect(xmp).toContain('Denoised by Denoise Studio 0.1.0');
    expect(xmp).toContain('dae-gray &#60;test&#62; &#38; co');
  });

  for (const [format, ext] of [['png', 'png'], ['webp', 'webp']] as const) {
    it(`${format.toUpperCase()} out: EXIF, XMP and ICC kept (the format has no IPTC; XMP carries the same fields)`, async () => {
      const input = join(dir, 'camera.jpg');
      const output = join(dir, `camera-out.${ext}`);
      await cameraJpeg(input);
      await throughIdentity(input, output, { format, quality: 100 });
      const after = await sharp(output).metadata();
      const tags = readExifTags(after.exif ?? new Uint8Array());
      expect(tags.get(EXIF_TAG.Make)).toBe('Testmaker');
      expect(tags.get(EXIF_TAG.Orientation)).toBe(1);
      expect(after.xmpAsString).toContain('Ann Example');
      expect(after.icc?.length).toBeGreaterThan(0);
      expect(after.iptc).toBeUndefined();
    });
  }

  it('TIFF out: XMP and ICC kept (libvips writes no EXIF into TIFF)', async () => {
    const input = join(dir, 'camera.jpg');
    const output = join(dir, 'camera-out.tif');
    await cameraJpeg(input);
    await throughIdentity(input, output);
    const after = await sharp(output).metadata();
    expect(after.xmpAsString).toContain('Ann Example');
    expect(after.icc?.length).toBeGreaterThan(0);
    expect(after.orientation ?? 1).toBe(1);
  });

  it('stripMetadata drops EXIF, XMP and IPTC but keeps the profile the samples are in', async () => {
    const input = join(dir, 'camera.jpg');
    const output = join(dir, 'camera-stripped.jpg');
    await cameraJpeg(input);
    await throughIdentity(input, output, { stripMetadata: true, note: undefined });
    const after = await sharp(output).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(iccDescription(after.icc ?? new Uint8Array())).toMatch(/P3/);
  });

  it('an image without metadata gets only the note', async () => {
    const input = join(dir, 'plain.png');
    const output = join(dir, 'plain-out.png');
    await writeFile(input, await pixels(8).png().toBuffer());
    const decoded = await throughIdentity(input, output);
    expect(decoded.source).toBeUndefined();
    const after = await sharp(output).metadata();
    expect(after.icc).toBeUndefined();
    expect(readExifTags(after.exif ?? new Uint8Array()).get(EXIF_TAG.Software)).toBe(NOTE.software);
    expect(after.xmpAsString).toContain('Denoised by Denoise Studio');
  });
});

describe('outputXmp', () => {
  it('leaves a packet it cannot extend as it is (orientation still made upright)', () => {
    const odd = new TextEncoder().encode('<x:xmpmeta><tiff:Orientation>8</tiff:Orientation></x:xmpmeta>');
    const out = new TextDecoder().decode(outputXmp(odd, NOTE));
    expect(out).toBe('<x:xmpmeta><tiff:Orientation>1</tiff:Orientation></x:xmpmeta>');
  });

  it('writes nothing without a source packet or a note', () => {
    expect(outputXmp(undefined, undefined)).toBeUndefined();
  });
});

describe('the .v trailer edit', () => {
  it('adds fields to <meta>, to an empty <meta/>, or a new <meta> when there is none, and refuses anything else', () => {
    const f = '<field type="gint" name="x">1</field>\n';
    expect(withVipsFields('<root><meta>\n</meta></root>', f)).toBe(`<root><meta>\n${f}</meta></root>`);
    expect(withVipsFields('<root><meta/></root>', f)).toBe(`<root><meta>\n${f}</meta></root>`);
    expect(withVipsFields('<root><header/></root>', f)).toBe(`<root><header/><meta>\n${f}</meta>\n</root>`);
    expect(() => withVipsFields('garbage', f)).toThrow(/XML trailer/);
  });

  it('escapes tag text and refuses names that are not EXIF fields', () => {
    expect(vipsFields({ exifStrings: { 'exif-ifd0-Software': 'a<b>&"c"' } })).toContain('a&#60;b&#62;&#38;&#34;c&#34;');
    expect(() => vipsFields({ exifStrings: { 'icc-profile-data': 'x' } })).toThrow(/Not an EXIF field/);
  });
});
