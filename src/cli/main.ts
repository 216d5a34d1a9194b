import { isDenoiseError } from '../shared/errors';
import { runBackend } from './commands/backend';
import { runCompare } from './commands/compare';
import { runDenoise } from './commands/denoise';
import { runEval } from './commands/eval';
import { runGenerate } from './commands/generate';
import { runInterpolate } from './commands/interpolate';
import { runModels } from './commands/models';
import { runServe } from './commands/serve';
import { runTrain } from './commands/train';

/** `denoise-studio <command> [options]`: the headless front door over the engine. */
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  train: { run: runTrain, summary: 'train a model on folders of images' },
  denoise: { run: runDenoise, summary: 'denoise an image or a folder of images with a model' },
  eval: { run: runEval, summary: 'score a model on clean images with synthetic noise (PSNR/SSIM)' },
  compare: { run: runCompare, summary: 'one table of PSNR/SSIM for several models on the same images and noise' },
  generate: { run: runGenerate, summary: 'generate new images with a VAE (seeded samples, temperature)' },
  interpolate: { run: runInterpolate, summary: 'decode a path in a VAE latent space between two images' },
  models: { run: runModels, summary: 'list, show or delete models' },
  backend: { run: runBackend, summary: 'show which compute backend is used and why' },
  serve: { run: runServe, summary: 'serve the app in a browser on 127.0.0.1 (prints a URL with an access token)' },
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
    return await entry.run(rest);
  } catch (err) {
    if (isDenoiseError(err)) {
      console.error(`error: ${err.message} [${err.code}]`);
      return err.code === 'E_INVALID_ARGUMENT' ? 2 : 1;
    }
    console.error(`error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
