import type { EngineMessage, EngineMethod, EngineRequest } from '../shared/engine-protocol';
import type { ErrorInfo } from '../shared/errors';
import type { EngineProcess } from '../host/engine-client';

/**
 * A scripted engine process for host tests: each method answers from `script` (a value, or a
 * function of the params), anything else fails with E_INTERNAL. `requests` records what the
 * host asked, so a test can prove a refused request never reached the engine.
 */
export type EngineScript = Partial<Record<EngineMethod, (params: never) => unknown>>;

export interface FakeEngine {
  spawn: () => EngineProcess;
  requests: EngineRequest[];
}

export function fakeEngine(script: EngineScript): FakeEngine {
  const requests: EngineRequest[] = [];
  const spawn = (): EngineProcess => {
    let listener: (m: EngineMessage) => void = () => undefined;
    queueMicrotask(() => listener({ type: 'ready', pid: 1 }));
    return {
      post: (req) => {
        requests.push(req);
        const answer = script[req.method];
        queueMicrotask(() => {
          if (!answer) {
            listener({ type: 'reply', id: req.id, result: { ok: false, error: { code: 'E_INTERNAL', message: `${req.method} is not in this fake` } } });
            return;
          }
          Promise.resolve()
            .then(() => answer(req.params as never))
            .then(
              (value) => listener({ type: 'reply', id: req.id, result: { ok: true, value } }),
              (err: { code?: string; message?: string }) =>
                listener({ type: 'reply', id: req.id, result: { ok: false, error: { code: err.code ?? 'E_INTERNAL', message: err.message ?? String(err) } as ErrorInfo } }),
            );
        });
      },
      onMessage: (l) => {
        listener = l;
      },
      onExit: () => undefined,
      kill: () => undefined,
    };
  };
  return { spawn, requests };
}
