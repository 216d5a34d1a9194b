import { basename } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { parseNoiseSpec } from '../../shared/noise';
import { evaluateModel } from '../../ml/jobs/evaluate';
import { evaluatePairs, type PairEvaluationReport } from '../../ml/jobs/evaluate-pairs';
import { loadModel } from '../../ml/store/model-files';
import { numberArg, parseCommandArgs, parsePairs, requireString, SCORING_OPTIONS } from '../args';
import { setupBackend } from '../backend-setup';
import { describeLevel, parseSigmaFlag } from '../level';

const HELP = `Usage: denoise-studio eval --model MODEL_DIR --data DIR [--noise gaussian:25] [--seed 0] [--json]
       denoise-studio eval --model MODEL_DIR --pairs NOISY_DIR:CLEAN_DIR [--sigma auto|N] [--strength S] [--json]

Adds noise to the clean images in DIR (the benchmark protocol: NumPy's seeded normal stream,
no clipping), denoises them and prints per-image and mean PSNR/SSIM of the noisy input and the
output. Level-aware models are told the protocol's sigma.

With --pairs, scores real noisy photos against their clean references instead (matched by file
name, as train --pairs matches them). Each photo is denoised exactly as denoise would with the
same options: level-aware models get each photo's estimated level (--sigma auto) unless --sigma
N is given. It also counts the photos made worse than the noisy input.
--json prints one JSON object on stdout.
`;

export async function runEval(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...SCORING_OPTIONS, model: { type: 'string' }, pairs: { type: 'string' }, sigma: { type: 'string' }, strength: { type: 'string' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const modelDir = requireString(values.model, '--model');
  if (values.pairs !== undefined) {
    if (values.data !== undefined) throw new DenoiseError('E_INVALID_ARGUMENT', '--pairs replaces --data; give one or the other');
    return runPairEval(modelDir, parsePairs(values.pairs), values);
  }
  if (values.sigma !== undefined || values.strength !== undefined) {
    throw new DenoiseError('E_INVALID_ARGUMENT', '--sigma and --strength apply to --pairs; with --data the protocol sets the level and scores the full output');
  }
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

interface PairEvalFlags {
  sigma?: string | undefined;
  strength?: string | undefined;
  json?: boolean | undefined;
  recursive?: boolean | undefined;
  backend?: string | undefined;
}

function pairReportJson(modelName: string, kind: string, backend: string, report: PairEvaluationReport): unknown {
  return {
    model: modelName,
    kind,
    backend,
    images: report.images.length,
    psnr: report.psnr,
    ssim: report.ssim,
    noisy_psnr: report.noisyPsnr,
    noisy_ssim: report.noisySsim,
    gain_db: report.psnr - report.noisyPsnr,
    worse: report.worse,
    per_image: report.images.map((s) => ({ name: s.name, psnr: s.psnr, ssim: s.ssim, noisy_psnr: s.noisyPsnr, noisy_ssim: s.noisySsim, ...(s.sigma === undefined ? {} : { sigma: s.sigma, estimated: s.estimated }) })),
    skipped: report.skipped,
  };
}

async function runPairEval(modelDir: string, dirs: { noisyDir: string; cleanDir: string }, values: PairEvalFlags): Promise<number> {
  const strength = numberArg(values.strength, '--strength', { min: 0, max: 1 });
  const sigma = parseSigmaFlag(values.sigma);
  const backend = await setupBackend(values.backend, !values.json);
  const { model, meta } = await loadModel(modelDir);
  try {
    const report = await evaluatePairs(model, dirs.noisyDir, dirs.cleanDir, {
      gpu: backend.isGpu,
      recursive: values.recursive ?? false,
      ...(strength === undefined ? {} : { strength }),
      ...(sigma === 'auto' ? {} : { sigma }),
      onImage: (done, total, s) => {
        if (!values.json) console.error(`[${done}/${total}] ${s.name}: noisy ${s.noisyPsnr.toFixed(2)} dB -> ${s.psnr.toFixed(2)} dB${describeLevel(s.sigma, s.estimated)}`);
      },
    });
    if (values.json) {
      console.log(JSON.stringify(pairReportJson(meta.name, meta.spec.kind, backend.active, report)));
    } else {
      const gain = report.psnr - report.noisyPsnr;
      console.log(
        `mean over ${report.images.length} pairs: noisy ${report.noisyPsnr.toFixed(2)} dB / SSIM ${report.noisySsim.toFixed(4)} -> ${report.psnr.toFixed(2)} dB / SSIM ${report.ssim.toFixed(4)} (${gain >= 0 ? '+' : ''}${gain.toFixed(2)} dB; ${report.worse} made worse)`,
      );
      for (const s of report.skipped) console.error(`skipped ${s.file}: ${s.message} [${s.code}]`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}
