import { parseCommandArgs } from '../args';
import { describeBackend, setupBackend } from '../backend-setup';

const HELP = `Usage: denoise-studio backend [--backend NAME] [--json]

Finds the best compute backend that really trains here (a smoke test runs one gradient step)
and says why each other one was skipped; for webgpu it names the GPU adapter and its driver.
Force one with --backend or DENOISE_BACKEND (webgpu, tensorflow-gpu, tensorflow, wasm, cpu);
a software WebGPU adapter (llvmpipe, SwiftShader) is only ever used when forced.
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
  const a = report.adapter;
  if (a) {
    console.log(`adapter: ${[a.vendor, a.architecture, a.device].filter((t) => t !== '').join(' ') || a.description}`);
    console.log(`  driver: ${a.driver}; feature level: ${a.featureLevel}; ${a.software ? 'software (CPU) adapter' : 'hardware'}${a.isFallback ? ', reported as a fallback adapter' : ''}; largest buffer ${Math.round(a.maxBufferBytes / 2 ** 20)} MiB`);
  }
  if (report.customKernels.length) console.log(`engine kernels: ${report.customKernels.join(', ')}`);
  for (const note of report.notes ?? []) console.log(`note: ${note}`);
  for (const s of report.skipped) console.log(`skipped ${s.backend}: ${s.reason}`);
  if (!report.isGpu) {
    console.log('For the GPU: install your graphics driver with Vulkan (Linux; Windows and macOS need nothing more), and the engine uses it through WebGPU. See docs/backends.md.');
  }
  return 0;
}
