import { basename } from 'node:path';
import { parseNoiseSpec } from '../../shared/noise';
import { evaluateModel } from '../../ml/jobs/evaluate';
import { loadModel } from '../../ml/store/model-files';
import { numberArg, parseCommandArgs, requireString, SCORING_OPTIONS } from '../args';
import { setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio eval --model MODEL_DIR --data DIR [--noise gaussian:25] [--seed 0] [--json]

Adds noise to the clean images in DIR (the benchmark protocol: NumPy's seeded normal stream,
no clipping), denoises them and prints per-image and mean PSNR/SSIM of the noisy input and the
output. --json prints one JSON object on stdout.
`;

export async function runEval(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...SCORING_OPTIONS, model: { type: 'string' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const modelDir = requireString(values.model, '--model');
  const dataDir = requireString(values.data, '--data');
  const noise = parseNoiseSpec(values.noise);
  const seed = numberArg(values.seed, '--seed', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 0;
  const backend = await setupBackend(values.backend, !values.json);
  const { model, meta } = await loadModel(modelDir);
  try {
    const report = await evaluateModel(model, dataDir, {
      gpu: backend.isGpu,
      noise,
      seed,
      recursive: values.recursive ?? false,
      onImage: (done, total, s) => {
        if (!values.json) console.error(`[${done}/${total}] ${basename(s.file)}: noisy ${s.noisyPsnr.toFixed(2)} dB -> ${s.psnr.toFixed(2)} dB, SSIM ${s.ssim.toFixed(4)}`);
      },
    });
    if (values.json) {
      console.log(
        JSON.stringify({
          model: meta.name,
          kind: meta.spec.kind,
          noise: values.noise,
          seed,
          backend: backend.active,
          images: report.images.length,
          psnr: report.psnr,
          ssim: report.ssim,
          noisy_psnr: report.noisyPsnr,
          noisy_ssim: report.noisySsim,
          per_image: report.images.map((s) => ({ file: basename(s.file), psnr: s.psnr, ssim: s.ssim, noisy_psnr: s.noisyPsnr, noisy_ssim: s.noisySsim })),
          skipped: report.skipped,
        }),
      );
    } else {
      console.log(`mean over ${report.images.length} images: noisy ${report.noisyPsnr.toFixed(2)} dB / SSIM ${report.noisySsim.toFixed(4)} -> ${report.psnr.toFixed(2)} dB / SSIM ${report.ssim.toFixed(4)}`);
      for (const s of report.skipped) console.error(`skipped ${s.file}: ${s.message} [${s.code}]`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}
