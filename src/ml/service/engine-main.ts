import type { EngineMessage } from '../../shared/engine-protocol';
import { createEngineService } from './engine-service';

/**
 * Entry of the engine process. The same file runs as Electron's utilityProcess (messages on
 * process.parentPort) and as a Node child process under the web server (process.send with the
 * 'advanced' serialization, so image bytes cross as Uint8Array). It exits when its host goes.
 */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function start(): void {
  if (parentPort) {
    const service = createEngineService((message: EngineMessage) => parentPort.postMessage(message));
    parentPort.on('message', (event) => service.handle(event.data));
    parentPort.postMessage({ type: 'ready', pid: process.pid } satisfies EngineMessage);
    return;
  }
  const send = process.send?.bind(process);
  if (!send) {
    console.error('The engine process must be started by Denoise Studio (no message channel).');
    process.exit(2);
  }
  const service = createEngineService((message: EngineMessage) => {
    send(message);
  });
  process.on('message', (message) => service.handle(message));
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid } satisfies EngineMessage);
}

start();
