import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test-support/fixtures';
import { decodeImage, hevcReadable, readImageInfo } from './decode-image';

/**
 * A 16 x 16 HEIC (HEVC, one flat colour #3080c0), 507 bytes. sharp's prebuilt binaries cannot
 * encode HEVC, so it was made once with libheif's heif-enc (Debian libheif-examples:
 * `heif-enc -q 30 -o s.heic s.png`) and is kept here as text.
 */
const TINY_HEIC = 'AAAAHGZ0eXBoZWljAAAAAG1pZjFoZWljbWlhZgAAAa1tZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAAA5waXRtAAAAAAACAAAAEGlkYXQAAAAAABAAEAAAADhpbG9jAQAAAERAAAIAAQAAAAAAAAHRAAEAAAAAAAAAKgACAAEAAAAAAAAAAQAAAAAAAAAIAAAAOGlpbmYAAAAAAAIAAAAVaW5mZQIAAAEAAQAAaHZjMQAAAAAVaW5mZQIAAAAAAgAAZ3JpZAAAAADYaXBycAAAALZpcGNvAAAAdmh2Y0MBA3AAAAAAAAAAAAAe8AD8/fj4AAAPAyAAAQAYQAEMAf//A3AAAAMAkAAAAwAAAwAeugJAIQABACpCAQEDcAAAAwCQAAADAAADAB6gIIEFluqumubgQEDAgAAAAwCAAAADAIQiAAEABkQBwXPBiQAAABRpc3BlAAAAAAAAAEAAAABAAAAAFGlzcGUAAAAAAAAAEAAAABAAAAAQcGl4aQAAAAADCAgIAAAAGmlwbWEAAAAAAAAAAgABAoECAAICA4QAAAAaaXJlZgAAAAAAAAAOZGltZwACAAEAAQAAADJtZGF0AAAAJigBrxkhXkJA712lv/6Ewjm/N/F1t8pkoKaXBNeImQsDgYCNkZ04';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await makeTempDir('denoise-heic-test-');
  file = join(dir, 'phone.heic');
  await writeFile(file, Buffer.from(TINY_HEIC, 'base64'));
});

afterAll(async () => {
  await removeTempDir(dir);
});

describe('HEIC input', () => {
  it('hevcReadable() tells the truth about this sharp build', async () => {
    const decoded = await sharp(file).raw().toBuffer().then(
      () => true,
      () => false,
    );
    expect(hevcReadable()).toBe(decoded);
  });

  it('decodes where HEVC is available, and otherwise says plainly what to do (E_UNSUPPORTED_FORMAT)', async () => {
    if (hevcReadable()) {
      expect(await readImageInfo(file)).toMatchObject({ format: 'heic', width: 16, height: 16, channels: 3 });
      const image = await decodeImage(file);
      expect(image.data[2]).toBeCloseTo(0xc0 / 255, 1);
      return;
    }
    // One at a time: a second promise made up front could reject before it is awaited.
    for (const attempt of [() => readImageInfo(file), () => decodeImage(file)]) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'E_UNSUPPORTED_FORMAT',
        message: expect.stringMatching(/HEVC decoder.*Convert it to JPEG, PNG or 16-bit TIFF first/s),
      });
    }
  });
});
