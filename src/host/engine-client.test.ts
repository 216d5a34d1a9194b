import { describe, expect, it, vi } from 'vitest';
import type { EngineMessage, EngineRequest } from '../shared/engine-protocol';
import { EngineClient, type EngineProcess } from './engine-client';

/** A scripted engine process: replies come from `respond`, exits are triggered by the test. */
class FakeProcess implements EngineProcess {
  readonly sent: EngineRequest[] = [];
  killed = false;
  private messageListener: (m: EngineMessage) => void = () => undefined;
  private exitListener: (code: number | null) => void = () => undefined;

  constructor(private readonly respond: (req: EngineRequest, proc: FakeProcess) => void) {
    queueMicrotask(() => this.emit({ type: 'ready', pid: 42 }));
  }
  post(message: EngineRequest): void {
    this.sent.push(message);
    this.respond(message, this);
  }
  onMessage(listener: (m: EngineMessage) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (code: number | null) => void): void {
    this.exitListener = listener;
  }
  kill(): void {
    this.killed = true;
    queueMicrotask(() => this.exit(null));
  }
  emit(message: EngineMessage): void {
    this.messageListener(message);
  }
  exit(code: number | null): void {
    this.exitListener(code);
  }
}

function reply(proc: FakeProcess, req: EngineRequest, value: unknown): void {
  queueMicrotask(() => proc.emit({ type: 'reply', id: req.id, result: { ok: true, value } }));
}

describe('EngineClient', () => {
  it('starts the process on first use and correlates replies', async () => {
    const spawn = vi.fn(() => new FakeProcess((req, proc) => reply(proc, req, { echo: req.method })));
    const client = new EngineClient({ spawn, onJobEvent: () => undefined, onCrash: () => undefined });
    expect(spawn).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([client.request('kinds', null), client.request('models', { root: '/m' })]);
    expect(a).toEqual({ echo: 'kinds' });
    expect(b).toEqual({ echo: 'models' });
    expect(spawn).toHaveBeenCalledOnce();
  });

  it('turns an error reply into a DenoiseError with the same code', async () => {
    const client = new EngineClient({
      spawn: () => new FakeProcess((req, proc) => queueMicrotask(() => proc.emit({ type: 'reply', id: req.id, result: { ok: false, error: { code: 'E_NO_IMAGES', message: 'none' } } }))),
      onJobEvent: () => undefined,
      onCrash: () => undefined,
    });
    await expect(client.request('scan', { path: '/x', recursive: false })).rejects.toMatchObject({ code: 'E_NO_IMAGES', message: 'none' });
  });

  it('forwards job events', async () => {
    const events: unknown[] = [];
    const client = new EngineClient({
      spawn: () =>
        new FakeProcess((req, proc) => {
          queueMicrotask(() => proc.emit({ type: 'event', jobId: 'j1', event: { kind: 'progress', done: 1, total: 2, file: 'a.png' } }));
          reply(proc, req, { outDir: '/o', written: 2, failed: [] });
        }),
      onJobEvent: (jobId, event) => events.push({ jobId, event }),
      onCrash: () => undefined,
    });
    await client.request('denoiseBatch', { jobId: 'j1', modelDir: '/m', folder: '/f', strength: 1, format: 'png', bitDepth: 8, outDir: '/o', recursive: false });
    expect(events).toEqual([{ jobId: 'j1', event: { kind: 'progress', done: 1, total: 2, file: 'a.png' } }]);
  });

  it('a crash fails pending requests, tells the host, and the next request starts a fresh process', async () => {
    const procs: FakeProcess[] = [];
    const onCrash = vi.fn();
    const client = new EngineClient({
      spawn: () => {
        const proc = new FakeProcess((req, p) => {
          if (req.method === 'train') queueMicrotask(() => p.exit(134));
          else reply(p, req, 'ok');
        });
        procs.push(proc);
        return proc;
      },
      onJobEvent: () => undefined,
      onCrash,
    });
    const run = client.request('train', { jobId: 'r1', run: {} as never, samplesFrom: null });
    await expect(run).rejects.toMatchObject({ code: 'E_INTERNAL', details: { reason: 'engine-crashed', code: 134 } });
    expect(onCrash).toHaveBeenCalledWith(expect.objectContaining({ during: 'train', code: 134 }));
    await expect(client.request('kinds', null)).resolves.toBe('ok');
    expect(procs).toHaveLength(2);
  });

  it('cancel is a message first, then a kill after the grace period; the run ends as cancelled, not crashed', async () => {
    vi.useFakeTimers();
    try {
      let proc: FakeProcess | null = null;
      const onCrash = vi.fn();
      const client = new EngineClient({
        spawn: () => {
          proc = new FakeProcess((req, p) => {
            if (req.method === 'cancel') reply(p, req, null); // acknowledges, but the run never stops
          });
          return proc;
        },
        onJobEvent: () => undefined,
        onCrash,
        cancelGraceMs: 1000,
      });
      const run = client.request('train', { jobId: 'r1', run: {} as never, samplesFrom: null });
      run.catch(() => undefined);
      await vi.advanceTimersByTimeAsync(0);
      await client.cancel('r1');
      expect(proc!.sent.map((m) => m.method)).toEqual(['train', 'cancel']);
      expect(proc!.killed).toBe(false);
      await vi.advanceTimersByTimeAsync(1001);
      expect(proc!.killed).toBe(true);
      await expect(run).rejects.toMatchObject({ code: 'E_CANCELLED', details: { reason: 'engine-killed' } });
      expect(onCrash).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a run that stops in time is never killed', async () => {
    vi.useFakeTimers();
    try {
      let proc: FakeProcess | null = null;
      let train: EngineRequest | null = null;
      const client = new EngineClient({
        spawn: () => {
          proc = new FakeProcess((req, p) => {
            if (req.method === 'train') train = req;
            if (req.method === 'cancel') {
              reply(p, req, null);
              if (train) reply(p, train, { reason: 'cancelled', step: 3, modelDir: '/m' });
            }
          });
          return proc;
        },
        onJobEvent: () => undefined,
        onCrash: () => undefined,
        cancelGraceMs: 1000,
      });
      const run = client.request('train', { jobId: 'r1', run: {} as never, samplesFrom: null });
      await vi.advanceTimersByTimeAsync(0);
      await client.cancel('r1');
      await expect(run).resolves.toMatchObject({ reason: 'cancelled' });
      await vi.advanceTimersByTimeAsync(5000);
      expect(proc!.killed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
