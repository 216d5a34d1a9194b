import type { Metadata } from 'sharp';
import { ENGINE_VERSION } from '../version';
import type { SourceMetadata } from './image';

/**
 * What a source file carried besides pixels (EXIF, XMP, IPTC, ICC), and the small edits an
 * output needs: the pixels are upright so every orientation tag must say 1, and a note says the
 * photo was denoised and by which model. Writing the blocks is metadata-carrier.ts's job.
 */

/** Who made the output; goes into EXIF Software and the XMP note. */
export interface DenoiseNote {
  /** "Denoise Studio 0.1.0" */
  software: string;
  /** The model's name as the library shows it (meta.json's name); left out when unknown. */
  model?: string;
}

/** The note for outputs of the model named `model` (meta.json's name). */
export function denoiseNote(model?: string): DenoiseNote {
  return { software: `Denoise Studio ${ENGINE_VERSION}`, ...(model ? { model } : {}) };
}

/** The namespace of the note in XMP; a URN so that nothing suggests it resolves anywhere. */
export const NOTE_XMP_NAMESPACE = 'urn:denoise-studio:xmp:1.0:';
const NOTE_PREFIX = 'denoisestudio';

function nonEmpty(buffer: Uint8Array | undefined): Uint8Array | undefined {
  return buffer !== undefined && buffer.length > 0 ? buffer : undefined;
}

/**
 * The blocks to carry over from sharp's header read. The ICC profile only comes along when the
 * samples stay in its space (`keepIcc`): when the decoder had to convert (CMYK, a gray profile
 * on an image decoded as RGB) the samples are sRGB and the profile would mislabel them.
 */
export function sourceMetadataOf(meta: Metadata, keepIcc: boolean): SourceMetadata | undefined {
  const source: SourceMetadata = {};
  const exif = nonEmpty(meta.exif);
  const xmp = nonEmpty(meta.xmp);
  const iptc = nonEmpty(meta.iptc);
  const icc = keepIcc ? nonEmpty(meta.icc) : undefined;
  if (exif) source.exif = exif;
  if (xmp) source.xmp = xmp;
  if (iptc) source.iptc = iptc;
  if (icc) source.icc = icc;
  return Object.keys(source).length > 0 ? source : undefined;
}

/** The ICC header's data colour space ('RGB ', 'GRAY', 'CMYK', ...), or '' when too short. */
export function iccColourSpace(icc: Uint8Array): string {
  if (icc.length < 20) return '';
  return String.fromCharCode(icc[16] ?? 0, icc[17] ?? 0, icc[18] ?? 0, icc[19] ?? 0);
}

/** Whether a profile can describe samples with this many colour channels. */
export function iccFitsChannels(icc: Uint8Array, channels: 1 | 3): boolean {
  return iccColourSpace(icc) === (channels === 1 ? 'GRAY' : 'RGB ');
}

/**
 * The profile's description ("Display P3", "Adobe RGB (1998)"), read from its 'desc' tag (v2
 * 'desc' or v4 'mluc' type); '' when there is none. For messages and tests, not for decisions.
 */
export function iccDescription(icc: Uint8Array): string {
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const ascii = (at: number, length: number): string =>
    String.fromCharCode(...icc.subarray(at, Math.min(icc.length, at + length))).replace(/\0+$/, '');
  if (icc.length < 132) return '';
  const count = view.getUint32(128);
  for (let i = 0; i < count && 132 + i * 12 + 12 <= icc.length; i++) {
    const entry = 132 + i * 12;
    if (ascii(entry, 4) !== 'desc') continue;
    const at = view.getUint32(entry + 4);
    if (at + 12 > icc.length) return '';
    const type = ascii(at, 4);
    if (type === 'desc') return ascii(at + 12, view.getUint32(at + 8));
    if (type === 'mluc' && at + 28 <= icc.length) {
      const length = view.getUint32(at + 20);
      const start = at + view.getUint32(at + 24);
      let text = '';
      for (let k = start; k + 1 < Math.min(icc.length, start + length); k += 2) text += String.fromCharCode(view.getUint16(k));
      return text;
    }
    return '';
  }
  return '';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** XMP's own orientation (tiff:Orientation), as attribute or element, set to 1 (upright). */
function uprightXmp(xmp: string): string {
  return xmp
    .replace(/(tiff:Orientation\s*=\s*["'])\s*\d+\s*(["'])/g, '$11$2')
    .replace(/(<tiff:Orientation>)\s*\d+\s*(<\/tiff:Orientation>)/g, '$11$2');
}

function noteDescription(note: DenoiseNote): string {
  return (
    `<rdf:Description rdf:about="" xmlns:${NOTE_PREFIX}="${NOTE_XMP_NAMESPACE}"` +
    ` ${NOTE_PREFIX}:Note="${escapeXml(`Denoised by ${note.software}`)}"` +
    (note.model === undefined ? '' : ` ${NOTE_PREFIX}:Model="${escapeXml(note.model)}"`) +
    '/>'
  );
}

function freshPacket(body: string): string {
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    body +
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

/**
 * The XMP packet an output gets: the source's with its orientation made upright and, when a
 * note is given, one more rdf:Description holding it (its own namespace, so no property of the
 * source's is overwritten or duplicated). A source packet without an rdf:RDF element, which we
 * cannot extend safely, is kept as it is; EXIF Software still carries the note then.
 */
export function outputXmp(source: Uint8Array | undefined, note: DenoiseNote | undefined): Uint8Array | undefined {
  if (source === undefined && note === undefined) return undefined;
  const noteXml = note === undefined ? '' : noteDescription(note);
  if (source === undefined) return new TextEncoder().encode(freshPacket(noteXml));
  let xmp = uprightXmp(new TextDecoder().decode(source));
  const end = xmp.lastIndexOf('</rdf:RDF>');
  if (noteXml && end >= 0) xmp = xmp.slice(0, end) + noteXml + xmp.slice(end);
  return new TextEncoder().encode(xmp);
}
