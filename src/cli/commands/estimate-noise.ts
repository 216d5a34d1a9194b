import { resolve } from 'node:path';
import { estimateNoiseFiles } from '../../ml/jobs/estimate-noise';
import { parseCommandArgs } from '../args';
import { DenoiseError } from '../../shared/errors';

const HELP = `Usage: denoise-studio estimate-noise FILE_OR_DIR [--json] [--recursive]

  Estimates each image's noise level: the sigma (0..255 scale) of white Gaussian noise that
  level-aware models take (denoise --sigma auto uses the same estimate).

  --json        print one JSON object: {"images": [{"file": ..., "sigma": ...}], "failed": [...], "method": ...}
  --recursive   include sub-folders
`;

export async function runEstimateNoise(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      recursive: { type: 'boolean' },
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new DenoiseError('E_INVALID_ARGUMENT', 'estimate-noise takes one FILE_OR_DIR');
  const report = await estimateNoiseFiles(resolve(positionals[0] as string), { recursive: values.recursive ?? false });
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    for (const image of report.images) console.log(`${image.file}: sigma ${image.sigma.toFixed(2)}`);
    for (const f of report.failed) console.error(`failed: ${f.file}: ${f.message} [${f.code}]`);
  }
  return report.failed.length > 0 ? 1 : 0;
}
