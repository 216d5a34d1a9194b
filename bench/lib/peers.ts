/**
 * Finding and running the peer reference scripts in ../shared/bench. Every speed figure is a
 * ratio against a peer measured in the same run, because the machines are shared and noisy.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared folder: DENOISE_SHARED, else ../shared next to the repository. */
export function findSharedDir(): string | null {
  const candidates = [process.env['DENOISE_SHARED'], join(REPO_ROOT, '..', 'shared')];
  for (const dir of candidates) {
    if (dir !== undefined && dir !== '' && existsSync(join(dir, 'bench'))) return resolve(dir);
  }
  return null;
}

/** Debian's interpreter, where python3-torch is installed (a pip torch may differ). */
export const PEER_PYTHON = process.env['DENOISE_PEER_PYTHON'] ?? '/usr/bin/python3';

export type PeerResult = { ok: true; json: Record<string, unknown> } | { ok: false; reason: string };

/** Runs a peer script and parses the last line of its stdout as JSON. */
export function runPeerScript(script: string, args: string[], timeoutMs = 600_000): Promise<PeerResult> {
  const shared = findSharedDir();
  if (shared === null) return Promise.resolve({ ok: false, reason: 'shared/ not found (set DENOISE_SHARED)' });
  const path = join(shared, 'bench', script);
  if (!existsSync(path)) return Promise.resolve({ ok: false, reason: `${path} not found` });
  if (!existsSync(PEER_PYTHON)) return Promise.resolve({ ok: false, reason: `${PEER_PYTHON} not found` });
  return new Promise((done) => {
    execFile(PEER_PYTHON, [path, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        const missingTorch = /No module named ['"]?torch/.test(stderr);
        const reason = missingTorch ? 'python3-torch is not installed' : `${script} failed: ${(stderr || error.message).trim().split('\n').slice(-3).join(' | ')}`;
        done({ ok: false, reason });
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        done({ ok: true, json: JSON.parse(last) as Record<string, unknown> });
      } catch {
        done({ ok: false, reason: `${script} printed no JSON line` });
      }
    });
  });
}
