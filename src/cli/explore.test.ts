import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCliOutput } from '../test-support/capture-output';
import { makeTempDir, removeTempDir } from '../test-support/fixtures';
import { writeTextureImages } from '../test-support/textures';
import { main } from './main';

/** `denoise-studio explore`: the 2-D lab's PNG, side by side, an image-model view, and bad input. */
let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('cli-explore-');
});
afterAll(async () => {
  await removeTempDir(dir);
});
const output = captureCliOutput();

describe('explore', () => {
  it('trains a toy DAE on the spiral and writes the field as a PNG', async () => {
    const out = join(dir, 'field.png');
    expect(await main(['explore', '--kind', 'dae', '--data', 'spiral', '--steps', '20', '--view', 'field', '--size', '200', '--out', out])).toBe(0);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(200);
    const summary = JSON.parse(output.stdout.trim().split('\n').pop() as string) as { views: string[]; steps: number };
    expect(summary.views).toEqual(['field']);
    expect(summary.steps).toBe(20);
  });

  it('draws two kinds side by side, a row each, and SVG when asked', async () => {
    const out = join(dir, 'pair.svg');
    expect(await main(['explore', '--kind', 'vae', '--versus', 'aae', '--data', 'moons', '--steps', '10', '--out', out])).toBe(0);
    const svg = await fs.readFile(out, 'utf8');
    expect(svg).toContain('vae: prior samples decoded');
    expect(svg).toContain('aae: prior samples decoded');
  });

  it('refuses an unknown kind, data set or view with the choices', async () => {
    expect(await main(['explore', '--kind', 'pca', '--data', 'spiral', '--out', join(dir, 'x.png')])).toBe(2);
    expect(output.stderr).toMatch(/choose ae, dae, cae/);
    expect(await main(['explore', '--kind', 'ae', '--data', 'torus', '--out', join(dir, 'x.png')])).toBe(2);
    expect(await main(['explore', '--kind', 'ae', '--data', 'circle', '--view', 'heat', '--out', join(dir, 'x.png')])).toBe(2);
  });

  it("shows a trained image model's removed-noise map", async () => {
    const data = join(dir, 'data');
    await fs.mkdir(data, { recursive: true });
    const [photo] = await writeTextureImages(data, 3, { width: 48, height: 48 });
    const model = join(dir, 'model');
    expect(await main(['train', '--data', data, '--out', model, '--kind', 'dae', '--size', 'tiny', '--steps', '2', '--batch', '2', '--patch', '16', '--validate-every', '100', '--channels', 'gray', '--backend', 'wasm'])).toBe(0);
    const out = join(dir, 'noise-map.png');
    expect(await main(['explore', '--model', model, '--view', 'noise-map', '--image', photo as string, '--sigma', '25', '--out', out, '--backend', 'wasm'])).toBe(0);
    expect((await sharp(out).metadata()).width).toBeGreaterThanOrEqual(3 * 48);
    expect(await main(['explore', '--model', model, '--view', 'traversal', '--out', out, '--backend', 'wasm'])).toBe(1);
    expect(output.stderr).toMatch(/generative model/);
  });
});
