import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DenoiseError } from '../../shared/errors';
import { defaultDataHome } from '../../host/settings-store';
import { ENGINE_VERSION } from '../../ml/version';
import { spawnChildEngine } from '../../server/engine-child';
import { startWebServer } from '../../server/web-server';
import { numberArg, parseCommandArgs } from '../args';

const HELP = `Usage: denoise-studio serve [--port N] [--root DIR]

Serves the app's UI on http://127.0.0.1 (this machine only) for a browser, e.g. on a headless
GPU box reached through an SSH tunnel. The printed URL carries a random access token; requests
without it are refused.

  --port N      port to listen on (default 8765; 0 picks a free one)
  --root DIR    the folder whose images the UI may open (default: your home folder)
  --renderer DIR  the built UI (default: out/renderer of this package; build with npm run build)
`;

const DEFAULT_RENDERER = fileURLToPath(new URL('../../../out/renderer', import.meta.url));
const STARTER_MODELS = fileURLToPath(new URL('../../../resources/models', import.meta.url));

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    port: { type: 'string' },
    root: { type: 'string' },
    renderer: { type: 'string' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = numberArg(values.port, '--port', { min: 0, max: 65535, integer: true }) ?? 8765;
  const root = resolve(values.root ?? homedir());
  if (!existsSync(root)) throw new DenoiseError('E_NOT_FOUND', `--root ${root} does not exist`);
  const rendererDir = resolve(values.renderer ?? DEFAULT_RENDERER);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new DenoiseError('E_NOT_FOUND', `The web UI is not built (no ${join(rendererDir, 'index.html')}); run "npm run build" first`);
  }
  const server = await startWebServer({ port, root, dataHome: defaultDataHome(), rendererDir, version: ENGINE_VERSION, spawnEngine: spawnChildEngine, starterModelsDir: STARTER_MODELS });
  console.log(`Denoise Studio is running at ${server.url}`);
  console.log(`Open that URL in a browser on this machine. Folders under ${root} can be opened. Press Ctrl-C to stop.`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
