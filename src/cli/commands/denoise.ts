import { resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { OUTPUT_FORMATS, type OutputFormat } from '../../shared/image-formats';
import { denoiseFiles } from '../../ml/jobs/denoise-files';
import { loadModel } from '../../ml/store/model-files';
import { numberArg, parseCommandArgs, requireString } from '../args';
import { setupBackend } from '../backend-setup';
import { describeLevel, parseSigmaFlag } from '../level';
import { createProgress } from '../progress';

const HELP = `Usage: denoise-studio denoise --model MODEL_DIR --input FILE_OR_DIR --out DIR [options]

  --format F       png, jpeg, webp or tiff (default: the input's format; AVIF inputs give PNG)
  --bit-depth N    8 or 16 (default: the input's; 16 only for png and tiff)
  --strength S     0..1, how much of the denoised image to keep (default 1)
  --sigma auto|N   noise level for level-aware models: auto (default) estimates it per image,
                   N (0..255) sets it; the level used is printed per image
  --tile N         tile size in pixels (default: chosen for the backend)
  --recursive      include sub-folders of --input
  --backend NAME   webgpu, tensorflow-gpu, tensorflow, wasm or cpu
`;

export async function runDenoise(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    model: { type: 'string' },
    input: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    'bit-depth': { type: 'string' },
    strength: { type: 'string' },
    sigma: { type: 'string' },
    tile: { type: 'string' },
    recursive: { type: 'boolean' },
    backend: { type: 'string' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const modelDir = requireString(values.model, '--model');
  const input = requireString(values.input, '--input');
  const outDir = resolve(requireString(values.out, '--out'));
  const format = values.format as OutputFormat | undefined;
  if (format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new DenoiseError('E_INVALID_ARGUMENT', `--format must be one of ${OUTPUT_FORMATS.join(', ')}`);
  const bitDepth = numberArg(values['bit-depth'], '--bit-depth', { min: 8, max: 16, integer: true });
  if (bitDepth !== undefined && bitDepth !== 8 && bitDepth !== 16) throw new DenoiseError('E_INVALID_ARGUMENT', '--bit-depth must be 8 or 16');
  const strength = numberArg(values.strength, '--strength', { min: 0, max: 1 });
  const sigma = parseSigmaFlag(values.sigma);
  const tileSize = numberArg(values.tile, '--tile', { min: 32, max: 4096, integer: true });

  const backend = await setupBackend(values.backend, true);
  const { model, meta } = await loadModel(modelDir);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const bar = createProgress('denoise', 1);
  try {
    const report = await denoiseFiles(model, input, {
      gpu: backend.isGpu,
      modelName: meta.name,
      outDir,
      ...(format ? { format } : {}),
      ...(bitDepth ? { bitDepth: bitDepth as 8 | 16 } : {}),
      ...(strength === undefined ? {} : { strength }),
      sigma,
      ...(tileSize === undefined ? {} : { tileSize }),
      recursive: values.recursive ?? false,
      signal: controller.signal,
      onTiles: (done, total) => bar.update(done / Math.max(1, total), ''),
    });
    bar.stop();
    for (const w of report.written) console.log(`${w.input} -> ${w.output}${describeLevel(w.sigma, w.estimated)}`);
    for (const f of report.failed) console.error(`failed: ${f.file}: ${f.message} [${f.code}]`);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
    model.dispose();
  }
}
