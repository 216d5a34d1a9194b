import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base } from '@playwright/test';
import { writeImageFolder, writeNonImageFolder } from './images';

/**
 * One `denoise-studio serve` per worker, started the way a user starts it (the CLI through
 * bin/denoise-studio.mjs), on a free port, with its data folder and browse root in a temp
 * directory filled with generated images.
 */
export interface ServerInfo {
  url: string;
  origin: string;
  port: number;
  token: string;
  root: string;
  home: string;
  photos: string;
  notImages: string;
  denoiseInput: string;
  /** The server process; its child is the engine. */
  pid: number;
}

async function startServer(): Promise<{ info: ServerInfo; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-e2e-'));
  const root = join(dir, 'root');
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const photos = join(root, 'photos');
  await writeImageFolder(photos, 8, 96, 1);
  const notImages = join(root, 'not-images');
  writeNonImageFolder(notImages);
  const denoiseInput = join(root, 'to-denoise');
  await writeImageFolder(denoiseInput, 1, 128, 7, 25);

  const child = spawn(process.execPath, [resolve('bin/denoise-studio.mjs'), 'serve', '--port', '0', '--root', root], {
    env: { ...process.env, DENOISE_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not print its URL in 60 s:\n${log}`)), 60_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on('exit', (code) => fail(new Error(`serve exited with ${code}:\n${log}`)));
  });
  const parsed = new URL(url);
  const info: ServerInfo = {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
    root,
    home,
    photos,
    notImages,
    denoiseInput,
    pid: child.pid ?? 0,
  };
  return { info, child, dir };
}

export const test = base.extend<object, { server: ServerInfo }>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      const { info, child, dir } = await startServer();
      await use(info);
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

export { expect } from '@playwright/test';
