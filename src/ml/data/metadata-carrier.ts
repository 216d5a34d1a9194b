import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { DenoiseError } from '../../shared/errors';

/**
 * Attaches metadata blocks to pixels that sharp only knows as raw samples.
 *
 * sharp can copy metadata from an input file to an output, but raw samples have none, and its
 * setters do not take the blocks themselves: withExif takes tag strings (maker notes and binary
 * tags would be lost), withIccProfile converts the pixels into the profile (we want them tagged,
 * not changed), and there is no IPTC setter at all. libvips's own file format (.v) stores every
 * metadata field in an XML trailer after the pixels, and sharp reads .v files with all their
 * fields. So the pixels are written as .v by sharp, the blocks are added to that trailer, and
 * the .v is read back with keepMetadata(): libvips's savers then write EXIF, XMP, IPTC and ICC
 * wherever the output format can hold them (see docs/photos.md for which can hold what).
 * The cost is one extra write and read of the uncompressed pixels through a temp file.
 */
export interface CarriedFields {
  exif?: Uint8Array;
  xmp?: Uint8Array;
  iptc?: Uint8Array;
  icc?: Uint8Array;
  /** libvips EXIF tag strings merged into the EXIF block on save, e.g. 'exif-ifd0-Software'. */
  exifStrings?: Readonly<Record<string, string>>;
}

/** The fixed size of a .v header; the pixels follow it and the XML trailer follows them. */
const VIPS_HEADER_BYTES = 64;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function blobField(name: string, data: Uint8Array): string {
  return `<field type="VipsBlob" name="${name}">${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}</field>\n`;
}

/** The XML fields for the blocks. */
export function vipsFields(fields: CarriedFields): string {
  let xml = '';
  if (fields.exif) xml += blobField('exif-data', fields.exif);
  if (fields.xmp) xml += blobField('xmp-data', fields.xmp);
  if (fields.iptc) xml += blobField('iptc-data', fields.iptc);
  if (fields.icc) xml += blobField('icc-profile-data', fields.icc);
  for (const [name, value] of Object.entries(fields.exifStrings ?? {})) {
    if (!/^exif-ifd[0-4]-[A-Za-z0-9]+$/.test(name)) throw new DenoiseError('E_INTERNAL', `Not an EXIF field name: ${name}`);
    xml += `<field type="VipsRefString" name="${name}">${escapeXml(value)}</field>\n`;
  }
  // The pixels are always upright. libvips reads the orientation out of exif-data when it loads
  // the .v, so this field must come after that one to win; savers then write it into EXIF.
  if (fields.exif) xml += '<field type="gint" name="orientation">1</field>\n';
  return xml;
}

/** Adds fields to a .v trailer's <meta> element (or creates one). */
export function withVipsFields(trailer: string, fields: string): string {
  if (trailer.includes('</meta>')) return trailer.replace('</meta>', `${fields}</meta>`);
  if (/<meta\s*\/>/.test(trailer)) return trailer.replace(/<meta\s*\/>/, `<meta>\n${fields}</meta>`);
  if (trailer.includes('</root>')) return trailer.replace('</root>', `<meta>\n${fields}</meta>\n</root>`);
  throw new DenoiseError('E_INTERNAL', 'libvips wrote a .v file without the expected XML trailer');
}

async function addFieldsToVipsFile(file: string, pixelBytes: number, fields: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const start = VIPS_HEADER_BYTES + pixelBytes;
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.max(0, size - start));
    await handle.read(tail, 0, tail.length, start);
    const trailer = tail.toString('utf8');
    if (!trailer.startsWith('<?xml')) {
      throw new DenoiseError('E_INTERNAL', 'The .v file sharp wrote does not have its XML trailer where expected');
    }
    const patched = Buffer.from(withVipsFields(trailer, fields), 'utf8');
    await handle.write(patched, 0, patched.length, start);
    await handle.truncate(start + patched.length);
  } finally {
    await handle.close();
  }
}

/**
 * Which blocks the saver writes. keepMetadata() (everything, the only way to keep IPTC) makes
 * libvips write an EXIF block even when there was none, so it is used only when EXIF or IPTC is
 * there to keep; otherwise just the profile and XMP.
 */
function keep(input: Sharp, fields: CarriedFields): Sharp {
  if (fields.exif || fields.iptc || fields.exifStrings) return input.keepMetadata();
  let kept = input;
  if (fields.icc) kept = kept.keepIccProfile();
  if (fields.xmp) kept = kept.keepXmp();
  return kept;
}

/**
 * Runs `finish` (colourspace and format options) on the pixels of `pixels` with the metadata
 * blocks attached, and returns the encoded file. `pixelBytes` is the size of the raw samples
 * (width * height * bands * bytes per sample), which is where the .v trailer starts.
 */
export async function encodeCarryingMetadata(
  pixels: Sharp,
  pixelBytes: number,
  fields: CarriedFields,
  finish: (input: Sharp) => Sharp,
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'denoise-meta-'));
  try {
    const file = join(dir, 'pixels.v');
    await pixels.toFile(file);
    await addFieldsToVipsFile(file, pixelBytes, vipsFields(fields));
    // ignoreIcc: the samples are already in the profile's space; sharp must not convert them.
    return await finish(keep(sharp(file, { ignoreIcc: true, limitInputPixels: false }), fields)).toBuffer();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
