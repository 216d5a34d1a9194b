import { extname } from 'node:path';

/**
 * The formats the engine reads. Deliberately short: every extra decoder is attack surface for
 * untrusted files (SVG can reference other files, PDF and "magick" pull in large parsers), so
 * only the common photo formats are let through, both by name and by what sharp detects inside.
 */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff'] as const;

export type InputFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff';

/** Lower-cased extension with its dot, or '' when there is none. */
export function extensionOf(file: string): string {
  return extname(file).toLowerCase();
}

export function hasImageExtension(file: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extensionOf(file));
}

/** The extension list as users read it in messages: "png, jpg, jpeg, ...". */
export function describeImageExtensions(): string {
  return IMAGE_EXTENSIONS.map((ext) => ext.slice(1)).join(', ');
}
