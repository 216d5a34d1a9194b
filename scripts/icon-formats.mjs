// Windows .ico and macOS .icns containers around PNG images. Both formats accept PNG payloads
// (ICO since Vista, ICNS for every size from icp4 up since 10.7), so no bitmap encoder is needed.

/** ICO: a 6-byte header, one 16-byte entry per image, then the PNGs. `images`: { size, png }[]. */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    if (size < 1 || size > 256) throw new RangeError(`ICO images are 1..256 px, not ${size}`);
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size === 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size === 256 ? 0 : size, 1);
    entry.writeUInt8(0, 2); // no palette
    entry.writeUInt8(0, 3);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/** Reads an ICO back: [{ size, png }]. */
export function decodeIco(buffer) {
  if (buffer.readUInt16LE(0) !== 0 || buffer.readUInt16LE(2) !== 1) throw new Error('not an ICO file');
  const count = buffer.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const at = 6 + 16 * i;
    const size = buffer.readUInt8(at) || 256;
    const length = buffer.readUInt32LE(at + 8);
    const offset = buffer.readUInt32LE(at + 12);
    return { size, png: buffer.subarray(offset, offset + length) };
  });
}

/** ICNS type codes for PNG payloads, by pixel size (the @2x variants share them). */
export const ICNS_TYPES = { 16: 'icp4', 32: 'icp5', 64: 'icp6', 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' };

/** ICNS: 'icns' + total length, then per image a 4-char type, its length (with the 8-byte head) and the PNG. */
export function encodeIcns(images) {
  const chunks = images.map(({ size, png }) => {
    const type = ICNS_TYPES[size];
    if (!type) throw new RangeError(`no ICNS type for ${size} px`);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

/** Reads an ICNS back: [{ type, png }]. */
export function decodeIcns(buffer) {
  if (buffer.toString('ascii', 0, 4) !== 'icns' || buffer.readUInt32BE(4) !== buffer.length) throw new Error('not an ICNS file');
  const out = [];
  for (let at = 8; at < buffer.length; ) {
    const type = buffer.toString('ascii', at, at + 4);
    const length = buffer.readUInt32BE(at + 4);
    if (length < 8 || at + length > buffer.length) throw new Error(`ICNS entry ${type} overruns the file`);
    out.push({ type, png: buffer.subarray(at + 8, at + length) });
    at += length;
  }
  return out;
}
