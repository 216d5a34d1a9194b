import { resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { decodeImage } from '../../ml/data/decode-image';
import { interpolateImages, requireGenerative } from '../../ml/jobs/generate';
import { loadModel } from '../../ml/store/model-files';
import { numberArg, parseCommandArgs, requireString } from '../args';
import { setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio interpolate --model MODEL_DIR A.png B.png --steps N --out DIR

Encodes A and B with a VAE and decodes N evenly spaced points on the line between their
posterior means. Writes step-000.png ... and strip.png (A as the model sees it, the N steps, B)
to DIR. The model sees the central patch of its input size at the image's own scale, as in
training on patches; --resize shrinks the whole image (its central square) instead.

  --resize         fit the whole image to the model instead of cropping its centre
  --scale K        enlarge strip.png K times, nearest-neighbour (default 4)
  --backend NAME   webgpu, tensorflow-gpu, tensorflow, wasm or cpu
`;

export async function runInterpolate(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      help: { type: 'boolean', short: 'h' },
      model: { type: 'string' },
      steps: { type: 'string', default: '8' },
      scale: { type: 'string', default: '4' },
      resize: { type: 'boolean' },
      out: { type: 'string' },
      backend: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const modelDir = requireString(values.model, '--model');
  const outDir = resolve(requireString(values.out, '--out'));
  if (positionals.length !== 2) throw new DenoiseError('E_INVALID_ARGUMENT', `interpolate takes exactly two images, A and B; got ${positionals.length}`);
  const steps = numberArg(values.steps, '--steps', { min: 2, max: 1000, integer: true }) ?? 8;
  const scale = numberArg(values.scale, '--scale', { min: 1, max: 32, integer: true }) ?? 4;
  const backend = await setupBackend(values.backend, true);
  const { model } = await loadModel(modelDir);
  try {
    requireGenerative(model, modelDir);
    const [a, b] = await Promise.all(positionals.map((file) => decodeImage(resolve(file), { channels: model.spec.channels })));
    if (!a || !b) throw new DenoiseError('E_INTERNAL', 'Decoding the two images failed');
    const result = await interpolateImages(model, a, b, { steps, outDir, scale, fit: values.resize ? 'resize' : 'crop' });
    console.error(`Wrote ${result.files.length} steps and ${result.strip} on ${backend.active}`);
    return 0;
  } finally {
    model.dispose();
  }
}
