/**
 * The image formats the app reads and writes, in one place for the engine, the hosts (upload
 * and file-listing filters, media types) and the UI. The read list is deliberately short: every
 * extra decoder is attack surface for untrusted files (SVG can reference other files, PDF and
 * "magick" pull in large parsers), so only the common photo formats are let through. Camera RAW
 * goes to LibRaw compiled to WebAssembly, whose memory is walled off from the engine's.
 */
export const IMAGE_EXTENSIONS = [
  '.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.heic', '.heif', '.dng', '.cr2', '.cr3', '.nef', '.arw', '.raf', '.orf', '.rw2', '.pef',
] as const;

/**
 * HEIC/HEIF photos (phones). Read only where sharp's libvips has an HEVC decoder, which the
 * prebuilt sharp binaries leave out (docs/photos.md); elsewhere they are listed so that the user
 * gets a message saying what to do instead of a silently skipped file.
 */
export const HEIF_EXTENSIONS = ['.heic', '.heif'] as const;

/** Camera RAW files, developed by LibRaw (WebAssembly build) with the camera's white balance. */
export const RAW_EXTENSIONS = ['.dng', '.cr2', '.cr3', '.nef', '.arw', '.raf', '.orf', '.rw2', '.pef'] as const;

export type InputFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'heic' | 'raw';

export function isRawName(name: string): boolean {
  return (RAW_EXTENSIONS as readonly string[]).includes(extensionOfName(name));
}

export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp', 'tiff'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The extension a file written in each format gets. */
export const OUTPUT_EXTENSION: Readonly<Record<OutputFormat, string>> = { png: '.png', jpeg: '.jpg', webp: '.webp', tiff: '.tif' };

/** Which output format keeps an input's own format (AVIF is read but not written). */
export const OUTPUT_FORMAT_OF_EXTENSION: Readonly<Record<string, OutputFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

export const MIME_OF_EXTENSION: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

/** Formats that can hold 16 bits per channel. */
export function holds16Bit(format: OutputFormat): boolean {
  return format === 'png' || format === 'tiff';
}

/** Lower-cased extension of a file name with its dot, or '' (works on / and \\ paths alike). */
export function extensionOfName(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

export function hasImageExtension(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extensionOfName(name));
}

/** The extension list as users read it in messages: "png, jpg, jpeg, ...". */
export function describeImageExtensions(): string {
  return IMAGE_EXTENSIONS.map((ext) => ext.slice(1)).join(', ');
}
