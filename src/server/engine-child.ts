import { fork } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { EngineMessage } from '../shared/engine-protocol';
import type { EngineProcess } from '../host/engine-client';

/**
 * The web mode's engine: a Node child process running the same entry as Electron's
 * utilityProcess, from the TypeScript sources through tsx (as bin/denoise-studio.mjs does).
 * 'advanced' serialization carries image bytes as Uint8Array.
 */
const ENTRY = fileURLToPath(new URL('../ml/service/engine-main.ts', import.meta.url));

export function spawnChildEngine(env: Record<string, string>): EngineProcess {
  const child = fork(ENTRY, [], {
    env,
    execArgv: ['--import', import.meta.resolve('tsx')],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    post: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (message) => listener(message as EngineMessage)),
    // A signal death reads as the shell would report it (SIGKILL: 137).
    onExit: (listener) => child.on('exit', (code, signal) => listener(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null))),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
