/**
 * Test helpers for photo metadata: a minimal DNG writer (so RAW decoding is tested on a file
 * made here, not a checked-in sample), an IPTC block builder (sharp has no IPTC setter), and a
 * small EXIF reader so tests compare tags, not bytes.
 */

const TYPE = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5, SRATIONAL: 10 } as const;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

interface Tag {
  tag: number;
  type: number;
  values: number[] | string;
}

export interface DngSpec {
  width: number;
  height: number;
  /** Sensor value (0..65535) at each photosite of the RGGB mosaic. */
  sample: (x: number, y: number) => number;
  make?: string;
  model?: string;
  /** TIFF orientation 1..8. */
  orientation?: number;
}

function tagCount(t: Tag): number {
  if (typeof t.values === 'string') return t.values.length;
  return t.type === TYPE.RATIONAL || t.type === TYPE.SRATIONAL ? t.values.length / 2 : t.values.length;
}

function tagBytes(t: Tag): Buffer {
  const b = Buffer.alloc(tagCount(t) * (TYPE_SIZE[t.type] ?? 1));
  if (typeof t.values === 'string') {
    b.write(t.values, 'latin1');
    return b;
  }
  t.values.forEach((v, i) => {
    if (t.type === TYPE.SHORT) b.writeUInt16LE(v, i * 2);
    else if (t.type === TYPE.LONG || t.type === TYPE.RATIONAL) b.writeUInt32LE(v, i * 4);
    else if (t.type === TYPE.SRATIONAL) b.writeInt32LE(v, i * 4);
    else b.writeUInt8(v, i);
  });
  return b;
}

/**
 * An uncompressed 16-bit RGGB DNG (one IFD, identity colour matrix, D65): the least a DNG reader
 * needs. Little-endian TIFF: header, IFD, out-of-line tag values, then the mosaic.
 */
export function makeDng(spec: DngSpec): Buffer {
  const { width: w, height: h } = spec;
  const mosaic = Buffer.alloc(w * h * 2);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mosaic.writeUInt16LE(spec.sample(x, y), (y * w + x) * 2);
  const tags: Tag[] = [
    { tag: 254, type: TYPE.LONG, values: [0] },
    { tag: 256, type: TYPE.LONG, values: [w] },
    { tag: 257, type: TYPE.LONG, values: [h] },
    { tag: 258, type: TYPE.SHORT, values: [16] },
    { tag: 259, type: TYPE.SHORT, values: [1] },
    { tag: 262, type: TYPE.SHORT, values: [32803] }, // CFA
    { tag: 271, type: TYPE.ASCII, values: `${spec.make ?? 'Testmaker'}\0` },
    { tag: 272, type: TYPE.ASCII, values: `${spec.model ?? 'Synthetic One'}\0` },
    { tag: 273, type: TYPE.LONG, values: [0] }, // StripOffsets, patched below
    { tag: 274, type: TYPE.SHORT, values: [spec.orientation ?? 1] },
    { tag: 277, type: TYPE.SHORT, values: [1] },
    { tag: 278, type: TYPE.LONG, values: [h] },
    { tag: 279, type: TYPE.LONG, values: [mosaic.length] },
    { tag: 284, type: TYPE.SHORT, values: [1] },
    { tag: 33421, type: TYPE.SHORT, values: [2, 2] }, // CFARepeatPatternDim
    { tag: 33422, type: TYPE.BYTE, values: [0, 1, 1, 2] }, // CFAPattern RGGB
    { tag: 50706, type: TYPE.BYTE, values: [1, 4, 0, 0] }, // DNGVersion
    { tag: 50707, type: TYPE.BYTE, values: [1, 1, 0, 0] },
    { tag: 50708, type: TYPE.ASCII, values: `${spec.make ?? 'Testmaker'} ${spec.model ?? 'Synthetic One'}\0` },
    { tag: 50714, type: TYPE.LONG, values: [0] }, // BlackLevel
    { tag: 50717, type: TYPE.LONG, values: [65535] }, // WhiteLevel
    { tag: 50721, type: TYPE.SRATIONAL, values: [1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1] }, // ColorMatrix1
    { tag: 50728, type: TYPE.RATIONAL, values: [1, 1, 1, 1, 1, 1] }, // AsShotNeutral
    { tag: 50778, type: TYPE.SHORT, values: [21] }, // CalibrationIlluminant1 = D65
  ];
  const ifdSize = 2 + tags.length * 12 + 4;
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(tags.length, 0);
  const blobs: Buffer[] = [];
  let offset = 8 + ifdSize;
  let stripEntry = -1;
  tags.forEach((t, i) => {
    const bytes = tagBytes(t);
    const at = 2 + i * 12;
    ifd.writeUInt16LE(t.tag, at);
    ifd.writeUInt16LE(t.type, at + 2);
    ifd.writeUInt32LE(tagCount(t), at + 4);
    if (t.tag === 273) stripEntry = at + 8;
    if (bytes.length <= 4) {
      bytes.copy(ifd, at + 8);
      return;
    }
    ifd.writeUInt32LE(offset, at + 8);
    const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
    blobs.push(padded);
    offset += padded.length;
  });
  ifd.writeUInt32LE(offset, stripEntry);
  return Buffer.concat([Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]), ifd, ...blobs, mosaic]);
}

/** One IPTC-IIM dataset (record 2 = application). */
function iimDataset(dataset: number, text: string): Buffer {
  const value = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([0x1c, 2, dataset, value.length >> 8, value.length & 255]), value]);
}

/** IPTC object name and caption in the Photoshop resource wrapper (what sharp's metadata().iptc returns). */
export function iptcBlock(title: string, caption: string): Buffer {
  const iim = Buffer.concat([iimDataset(5, title), iimDataset(120, caption)]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(iim.length);
  const resource = Buffer.concat([Buffer.from('8BIM'), Buffer.from([0x04, 0x04, 0, 0]), size, iim, Buffer.alloc(iim.length % 2)]);
  return Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource]);
}

/** A JPEG with an APP13 (IPTC) segment inserted after its SOI marker. */
export function withIptcSegment(jpeg: Buffer, iptc: Buffer): Buffer {
  const length = iptc.length + 2;
  const segment = Buffer.concat([Buffer.from([0xff, 0xed, length >> 8, length & 255]), iptc]);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

export type ExifValue = string | number | number[];

/**
 * Reads IFD0 and the Exif sub-IFD of an EXIF block (sharp's metadata().exif)
 * into tag number -> value: ASCII as strings, SHORT/LONG as numbers, RATIONAL as n/d strings.
 */
export function readExifTags(exif: Uint8Array): Map<number, ExifValue> {
  const block = Buffer.from(exif.buffer, exif.byteOffset, exif.byteLength);
  // JPEG and WebP blocks start with "Exif\0\0"; PNG's eXIf chunk is the bare TIFF structure.
  const tiff = block.toString('latin1', 0, 4) === 'Exif' ? block.subarray(6) : block;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number): number => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number): number => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const tags = new Map<number, ExifValue>();
  const readIfd = (start: number): void => {
    const count = u16(start);
    for (let i = 0; i < count; i++) {
      const at = start + 2 + i * 12;
      const tag = u16(at);
      const type = u16(at + 2);
      const n = u32(at + 4);
      const size = (TYPE_SIZE[type] ?? 1) * n;
      const data = size <= 4 ? at + 8 : u32(at + 8);
      if (type === TYPE.ASCII) tags.set(tag, tiff.toString('latin1', data, data + n).replace(/\0+$/, ''));
      else if (type === TYPE.SHORT) tags.set(tag, n === 1 ? u16(data) : Array.from({ length: n }, (_, k) => u16(data + 2 * k)));
      else if (type === TYPE.LONG) tags.set(tag, u32(data));
      else if (type === TYPE.RATIONAL) tags.set(tag, `${u32(data)}/${u32(data + 4)}`);
      if (tag === 0x8769) readIfd(u32(at + 8));
    }
  };
  readIfd(u32(4));
  return tags;
}

export const EXIF_TAG = {
  Make: 0x010f,
  Model: 0x0110,
  Orientation: 0x0112,
  Software: 0x0131,
  Artist: 0x013b,
  ExposureTime: 0x829a,
  FNumber: 0x829d,
  ISO: 0x8827,
} as const;

/** s15Fixed16 big-endian. */
function s15f16(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(Math.round(value * 65536));
  return b;
}

function xyzTag(x: number, y: number, z: number): Buffer {
  return Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), s15f16(x), s15f16(y), s15f16(z)]);
}

/**
 * A minimal ICC v2 RGB display profile with Adobe RGB (1998)'s primaries (D50-adapted, as in
 * Adobe's own profile) and its 563/256 gamma, so tests need no profile file. Matrix/TRC only:
 * what lcms needs to convert, and what a photo tagged Adobe RGB carries in effect.
 */
export function adobeRgbLikeProfile(description = 'Adobe RGB (1998) compatible (test)'): Buffer {
  return matrixTrcProfile(description, false);
}

/** A gray display profile with the same 563/256 gamma (kTRC only). */
export function grayGammaProfile(description = 'Gray gamma 2.2 (test)'): Buffer {
  return matrixTrcProfile(description, true);
}

function matrixTrcProfile(description: string, gray: boolean): Buffer {
  const text = Buffer.from(`${description}\0`, 'latin1');
  const descCount = Buffer.alloc(4);
  descCount.writeUInt32BE(text.length);
  // v2 'desc': ASCII part, then empty Unicode and ScriptCode parts (4 + 4 and 2 + 1 + 67 bytes).
  const desc = Buffer.concat([Buffer.from('desc\0\0\0\0', 'latin1'), descCount, text, Buffer.alloc(8), Buffer.alloc(70)]);
  const cprt = Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from('No copyright, test data\0', 'latin1')]);
  const curv = Buffer.concat([Buffer.from('curv\0\0\0\0', 'latin1'), Buffer.from([0, 0, 0, 1, 0x02, 0x33])]); // gamma 563/256
  const common: [string, Buffer][] = [
    ['desc', desc],
    ['cprt', cprt],
    ['wtpt', xyzTag(0.9642, 1, 0.82491)],
  ];
  const tags: [string, Buffer][] = gray
    ? [...common, ['kTRC', curv]]
    : [
        ...common,
        ['rXYZ', xyzTag(0.60974, 0.31111, 0.01947)],
        ['gXYZ', xyzTag(0.20528, 0.62567, 0.06087)],
        ['bXYZ', xyzTag(0.14919, 0.06322, 0.74457)],
        ['rTRC', curv],
        ['gTRC', curv],
        ['bTRC', curv],
      ];
  const tableSize = 4 + tags.length * 12;
  let offset = 128 + tableSize;
  const table = Buffer.alloc(tableSize);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  tags.forEach(([signature, body], i) => {
    table.write(signature, 4 + i * 12, 'latin1');
    table.writeUInt32BE(offset, 8 + i * 12);
    table.writeUInt32BE(body.length, 12 + i * 12);
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    bodies.push(padded);
    offset += padded.length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write(gray ? 'mntrGRAYXYZ ' : 'mntrRGB XYZ ', 12, 'latin1');
  header.writeUInt16BE(2026, 24);
  header.writeUInt16BE(1, 26);
  header.writeUInt16BE(1, 28);
  header.write('acsp', 36, 'latin1');
  s15f16(0.9642).copy(header, 68);
  s15f16(1).copy(header, 72);
  s15f16(0.82491).copy(header, 76);
  return Buffer.concat([header, table, ...bodies]);
}
