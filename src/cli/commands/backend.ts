import { parseCommandArgs } from '../args';
import { describeBackend, setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio backend [--backend NAME] [--json]

Finds the best compute backend that really trains here (a smoke test runs one gradient step)
and says why each better one was skipped. Force one with --backend or DENOISE_BACKEND.
`;

export async function runBackend(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { help: { type: 'boolean', short: 'h' }, backend: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const report = await setupBackend(values.backend, false);
  if (values.json) {
    console.log(JSON.stringify(report));
    return 0;
  }
  console.log(`active: ${describeBackend(report)}`);
  if (report.customKernels.length) console.log(`engine kernels: ${report.customKernels.join(', ')}`);
  for (const s of report.skipped) console.log(`skipped ${s.backend}: ${s.reason}`);
  if (!report.isGpu) console.log('For the GPU backend on an NVIDIA machine: npm install @tensorflow/tfjs-node-gpu (needs CUDA 11.2 and cuDNN 8.1).');
  return 0;
}
