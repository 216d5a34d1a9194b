import sharp from 'sharp';
import { DenoiseError } from '../../shared/errors';
import { writeFileAtomic } from '../store/atomic-write';

/**
 * Rasterises an Explore plot (SVG text) to PNG with sharp's bundled librsvg, so figures need no
 * browser. `density` 72 keeps one SVG unit one pixel; 144 doubles the resolution.
 */
export async function svgToPng(svg: string, density = 72): Promise<Buffer> {
  try {
    return await sharp(Buffer.from(svg), { density }).png().toBuffer();
  } catch (err) {
    throw new DenoiseError('E_INTERNAL', `Could not draw the plot: ${(err as Error).message}`);
  }
}

/** Writes the plot as a PNG (or as the SVG itself when the name ends in .svg), atomically. */
export async function writePlot(svg: string, outPath: string): Promise<void> {
  const data = outPath.toLowerCase().endsWith('.svg') ? Buffer.from(svg) : await svgToPng(svg);
  await writeFileAtomic(outPath, data);
}
