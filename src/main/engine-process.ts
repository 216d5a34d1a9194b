import { utilityProcess } from 'electron';
import type { EngineMessage, EngineRequest } from '../shared/engine-protocol';
import type { EngineProcess } from '../host/engine-client';
import engineEntry from '../ml/service/engine-main?modulePath';

/**
 * Starts the engine in an Electron utilityProcess: its own OS process and V8 heap, so a tfjs
 * crash or an out-of-memory kills only the engine and the app keeps running. Main never
 * imports tfjs or sharp; EngineClient supervises the process.
 */
export function spawnUtilityEngine(env: Record<string, string>): EngineProcess {
  const child = utilityProcess.fork(engineEntry, [], { serviceName: 'Denoise Studio engine', stdio: 'inherit', env });
  return {
    post: (message: EngineRequest) => child.postMessage(message),
    onMessage: (listener) => child.on('message', (message: unknown) => listener(message as EngineMessage)),
    onExit: (listener) => child.on('exit', (code: number) => listener(code)),
    kill: () => {
      child.kill();
    },
  };
}
