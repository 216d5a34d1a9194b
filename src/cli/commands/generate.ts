import { resolve } from 'node:path';
import { generateSamples, requireGenerative } from '../../ml/jobs/generate';
import { loadModel } from '../../ml/store/model-files';
import { numberArg, parseCommandArgs, requireString } from '../args';
import { setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio generate --model MODEL_DIR --count N --seed S [--temperature T] --out DIR

Draws N latent vectors from N(0, T^2 I) with the seed S and decodes them with a VAE (--kind vae).
Writes sample-000.png ... and grid.png (all samples in one picture) to DIR.

  --temperature T  scale of the prior's spread (default 1; lower gives blander, safer samples)
  --scale K        enlarge grid.png K times, nearest-neighbour (default 4)
  --backend NAME   webgpu, tensorflow-gpu, tensorflow, wasm or cpu
`;

export async function runGenerate(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    model: { type: 'string' },
    count: { type: 'string', default: '16' },
    seed: { type: 'string', default: '0' },
    temperature: { type: 'string', default: '1' },
    scale: { type: 'string', default: '4' },
    out: { type: 'string' },
    backend: { type: 'string' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const modelDir = requireString(values.model, '--model');
  const outDir = resolve(requireString(values.out, '--out'));
  const count = numberArg(values.count, '--count', { min: 1, max: 10000, integer: true }) ?? 16;
  const seed = numberArg(values.seed, '--seed', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 0;
  const temperature = numberArg(values.temperature, '--temperature', { min: 0, max: 100 }) ?? 1;
  const scale = numberArg(values.scale, '--scale', { min: 1, max: 32, integer: true }) ?? 4;
  const backend = await setupBackend(values.backend, true);
  const { model } = await loadModel(modelDir);
  try {
    requireGenerative(model, modelDir);
    const result = await generateSamples(model, { count, seed, temperature, outDir, scale });
    console.error(`Wrote ${result.files.length} samples (seed ${seed}, temperature ${temperature}) and ${result.grid} on ${backend.active}`);
    return 0;
  } finally {
    model.dispose();
  }
}
