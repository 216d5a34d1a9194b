import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeIcns, decodeIco, encodeIcns, encodeIco, ICNS_TYPES } from './icon-formats.mjs';

const solid = (size: number, r: number) => sharp({ create: { width: size, height: size, channels: 4, background: { r, g: 10, b: 200, alpha: 1 } } }).png().toBuffer();
const dims = async (png: Buffer) => {
  const meta = await sharp(png).metadata();
  return [meta.format, meta.width, meta.height];
};

describe('icon containers', () => {
  it('ICO round-trips each PNG at its size, 256 stored as 0', async () => {
    const images = await Promise.all([16, 48, 256].map(async (size) => ({ size, png: await solid(size, size % 255) })));
    const ico = encodeIco(images);
    expect(ico.readUInt8(6 + 16 * 2)).toBe(0); // the 256 px entry's width byte
    const back = decodeIco(ico);
    expect(back.map((i) => i.size)).toEqual([16, 48, 256]);
    for (const [i, image] of back.entries()) expect(Buffer.compare(image.png, images[i]!.png)).toBe(0);
    expect(() => encodeIco([{ size: 512, png: Buffer.alloc(1) }])).toThrow(RangeError);
  });

  it('ICNS round-trips each PNG under its type code, with lengths that add up', async () => {
    const images = await Promise.all([16, 128, 1024].map(async (size) => ({ size, png: await solid(size, 7) })));
    const icns = encodeIcns(images);
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(decodeIcns(icns).map((e) => e.type)).toEqual(['icp4', 'ic07', 'ic10']);
    expect(() => decodeIcns(icns.subarray(0, icns.length - 1))).toThrow(/ICNS/);
    expect(() => encodeIcns([{ size: 100, png: Buffer.alloc(1) }])).toThrow(RangeError);
  });
});

describe('the shipped icons (scripts/make-icons.mjs)', () => {
  it('build/icon.ico holds PNGs from 16 to 256 px', async () => {
    const entries = decodeIco(readFileSync('build/icon.ico'));
    for (const { size, png } of entries) expect(await dims(png)).toEqual(['png', size, size]);
    expect(entries.map((e) => e.size)).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('build/icon.icns holds a PNG of the right size under every type code', async () => {
    const bySize = Object.fromEntries(Object.entries(ICNS_TYPES).map(([size, type]) => [type, Number(size)]));
    const entries = decodeIcns(readFileSync('build/icon.icns'));
    expect(entries).toHaveLength(7);
    for (const { type, png } of entries) expect(await dims(png)).toEqual(['png', bySize[type], bySize[type]]);
  });

  it('build/icon.png and the Linux set are square PNGs of their named size', async () => {
    expect(await dims(readFileSync('build/icon.png'))).toEqual(['png', 1024, 1024]);
    for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) expect(await dims(readFileSync(`build/icons/${size}x${size}.png`))).toEqual(['png', size, size]);
  });
});
