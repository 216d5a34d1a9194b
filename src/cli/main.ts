import { isDenoiseError } from '../shared/errors';

/** `denoise-studio <command> [options]`: the headless front door over the engine. */
/**
 * Each command is imported only when it runs: `serve` must not load tfjs or sharp into the web
 * server process (the engine runs in its own child process), and `--help` stays instant.
 */
type Runner = (argv: string[]) => Promise<number>;
const COMMANDS: Record<string, { load: () => Promise<Runner>; summary: string }> = {
  train: { load: async () => (await import('./commands/train')).runTrain, summary: 'train a model on folders of images' },
  denoise: { load: async () => (await import('./commands/denoise')).runDenoise, summary: 'denoise an image or a folder of images with a model' },
  eval: { load: async () => (await import('./commands/eval')).runEval, summary: 'score a model on clean images with synthetic noise (PSNR/SSIM)' },
  'estimate-noise': { load: async () => (await import('./commands/estimate-noise')).runEstimateNoise, summary: "estimate each image's noise level (sigma) for level-aware models" },
  compare: { load: async () => (await import('./commands/compare')).runCompare, summary: 'one table of PSNR/SSIM for several models on the same images and noise' },
  generate: { load: async () => (await import('./commands/generate')).runGenerate, summary: 'generate new images with a VAE (seeded samples, temperature)' },
  interpolate: { load: async () => (await import('./commands/interpolate')).runInterpolate, summary: 'decode a path in a VAE latent space between two images' },
  explore: { load: async () => (await import('./commands/explore')).runExplore, summary: 'see what an autoencoder learns: the 2-D lab, or views inside an image model (PNG)' },
  models: { load: async () => (await import('./commands/models')).runModels, summary: 'list, show or delete models' },
  backend: { load: async () => (await import('./commands/backend')).runBackend, summary: 'show which compute backend is used and why' },
  serve: { load: async () => (await import('./commands/serve')).runServe, summary: 'serve the app in a browser on 127.0.0.1 (prints a URL with an access token)' },
};

export const USAGE = `Usage: denoise-studio <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "denoise-studio <command> --help" for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    console.error(`error: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest);
  } catch (err) {
    if (isDenoiseError(err)) {
      console.error(`error: ${err.message} [${err.code}]`);
      return err.code === 'E_INVALID_ARGUMENT' ? 2 : 1;
    }
    console.error(`error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
