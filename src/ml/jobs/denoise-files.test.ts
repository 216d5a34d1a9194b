import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeGray16Png, writeRgba16Png, writeJpeg } from '../../test-support/fixtures';
import { decodeImage } from '../data/decode-image';
import { createModel, resolveModelSpec } from '../models/registry';
import { denoiseFiles, outputPathFor } from './denoise-files';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await makeTempDir('denoise-files-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('denoiseFiles', () => {
  it('keeps 16-bit depth and alpha, and runs a gray model over each channel of a colour image', async () => {
    const input = join(dir, 'in');
    await mkdir(input, { recursive: true });
    await writeRgba16Png(input, 'rgba16.png', { width: 24, height: 20 });
    await writeGray16Png(input, 'gray16.png', { width: 24, height: 20 });
    const model = createModel(resolveModelSpec('dae', 1, { size: 'tiny' }), 0);
    const report = await denoiseFiles(model, input, { gpu: false, outDir: join(dir, 'out') });
    expect(report.failed).toEqual([]);
    const rgba = await decodeImage(join(dir, 'out', 'rgba16.png'));
    const original = await decodeImage(join(input, 'rgba16.png'));
    expect(rgba).toMatchObject({ width: 24, height: 20, channels: 3, bitDepth: 16 });
    expect(Array.from(rgba.alpha ?? [])).toEqual(Array.from(original.alpha ?? [1]));
    const gray = await decodeImage(join(dir, 'out', 'gray16.png'));
    expect(gray).toMatchObject({ channels: 1, bitDepth: 16 });
    model.dispose();
  });

  it("records the model's name and the denoised-by note in each output's metadata", async () => {
    const input = join(dir, 'noted');
    await mkdir(input, { recursive: true });
    await writeJpeg(input, 'photo.jpg', { width: 16, height: 16 });
    const model = createModel(resolveModelSpec('dae', 3, { size: 'tiny' }), 0);
    const report = await denoiseFiles(model, input, { gpu: false, outDir: join(dir, 'noted-out'), modelName: 'my portraits model' });
    expect(report.failed).toEqual([]);
    const meta = await sharp(join(dir, 'noted-out', 'photo.jpg')).metadata();
    expect(meta.xmpAsString).toContain('Denoised by Denoise Studio');
    expect(meta.xmpAsString).toContain('my portraits model');
    model.dispose();
  });

  it('writes the requested format and never overwrites its input', async () => {
    const input = join(dir, 'in');
    await writeJpeg(input, 'photo.jpg', { width: 16, height: 16 });
    expect(outputPathFor(join(input, 'photo.jpg'), input, join(dir, 'o'), 'tiff').path).toBe(join(dir, 'o', 'photo.tif'));
    const model = createModel(resolveModelSpec('dae', 3, { size: 'tiny' }), 0);
    const report = await denoiseFiles(model, join(input, 'photo.jpg'), { gpu: false, outDir: input });
    expect(report.written).toEqual([]);
    expect(report.failed[0]).toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('overwrite the input') });
    model.dispose();
  });
});
