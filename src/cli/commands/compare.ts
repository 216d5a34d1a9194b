import { resolve } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { parseNoiseSpec } from '../../shared/noise';
import { compareModels, formatCompareTable } from '../../ml/jobs/compare';
import { numberArg, parseCommandArgs, requireString, SCORING_OPTIONS } from '../args';
import { setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio compare --models M1,M2,... --data DIR [--noise gaussian:25] [--seed 0] [--json]

Adds the same noise (one seed) to the clean images in DIR, denoises them with each model and prints
one table of mean PSNR/SSIM per model (the benchmark protocol of "eval"). --json prints one JSON
object on stdout instead.

  --recursive      include sub-folders of --data
  --backend NAME   webgpu, tensorflow-gpu, tensorflow, wasm or cpu
`;

export async function runCompare(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...SCORING_OPTIONS, models: { type: 'string' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const models = requireString(values.models, '--models')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '')
    .map((m) => resolve(m));
  if (models.length === 0) throw new DenoiseError('E_INVALID_ARGUMENT', '--models needs at least one model folder');
  const dataDir = resolve(requireString(values.data, '--data'));
  const noise = parseNoiseSpec(values.noise);
  const seed = numberArg(values.seed, '--seed', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 0;
  const backend = await setupBackend(values.backend, !values.json);
  const report = await compareModels(models, dataDir, {
    gpu: backend.isGpu,
    noise,
    seed,
    recursive: values.recursive ?? false,
    onModel: (i, total, dir) => {
      if (!values.json) console.error(`[${i + 1}/${total}] ${dir}`);
    },
  });
  if (values.json) {
    console.log(JSON.stringify({ ...report, backend: backend.active }));
  } else {
    console.log(formatCompareTable(report));
    for (const s of report.skipped) console.error(`skipped ${s.file}: ${s.message} [${s.code}]`);
  }
  // A model that could not be scored is a failure of the command, though the others are shown.
  return report.failed.length > 0 ? 1 : 0;
}
