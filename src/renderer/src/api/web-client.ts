import { API_METHODS, EVENT_METHODS, type ApiMethodName, type ContractApi, type EventMethodName, type EventName } from '../../../shared/contract';
import type { Result } from '../../../shared/errors';

/**
 * The web mode's window.api: the same ContractApi, spoken over one WebSocket to the local
 * server (authenticated by the cookie the server set when the tokened URL was opened). Requests
 * made while the socket reconnects wait for it; requests lost with a dropped socket fail with
 * E_IO rather than hanging.
 */
interface Reply {
  id: number;
  result: Result<unknown>;
}
interface Broadcast {
  event: EventName;
  payload: unknown;
}

export function createWebClient(): ContractApi {
  let socket: WebSocket | null = null;
  let open: Promise<WebSocket> | null = null;
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  const connect = (): Promise<WebSocket> => {
    if (open) return open;
    open = new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
      ws.addEventListener('open', () => {
        socket = ws;
        retryMs = 250;
        resolve(ws);
      });
      ws.addEventListener('message', (event) => {
        let data: Reply | Broadcast;
        try {
          data = JSON.parse(String(event.data)) as Reply | Broadcast;
        } catch {
          return;
        }
        if ('id' in data) {
          pending.get(data.id)?.(data.result);
          pending.delete(data.id);
        } else if ('event' in data) {
          for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
        }
      });
      ws.addEventListener('close', () => {
        socket = null;
        open = null;
        for (const [id, settle] of pending) {
          settle({ ok: false, error: { code: 'E_IO', message: 'Lost the connection to the Denoise Studio server' } });
          pending.delete(id);
        }
        // Reconnect in the background so events resume (e.g. after the server restarts).
        setTimeout(() => void connect(), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      });
    });
    return open;
  };

  const invoke = async (channel: string, request: unknown): Promise<Result<unknown>> => {
    const ws = socket ?? (await connect());
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, channel, request: request ?? null }));
    });
  };

  const api: Record<string, unknown> = {};
  for (const name of Object.keys(API_METHODS) as ApiMethodName[]) {
    const channel = API_METHODS[name];
    api[name] = (request: unknown) => invoke(channel, request);
  }
  for (const name of Object.keys(EVENT_METHODS) as EventMethodName[]) {
    const event = EVENT_METHODS[name];
    api[name] = (listener: (payload: unknown) => void) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)?.add(listener);
      void connect();
      return () => listeners.get(event)?.delete(listener);
    };
  }
  void connect();
  return api as ContractApi;
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface UploadItem {
  file: File;
  /** Relative path inside the drop, '/'-separated (e.g. "holiday/img1.png"). */
  path: string;
}

/** Uploads dropped files into one server-side folder; returns that folder. */
export async function uploadFiles(items: UploadItem[], onProgress?: (done: number, total: number) => void): Promise<string> {
  const batch = randomHex(16);
  let dir = '';
  let done = 0;
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const url = `/upload?batch=${batch}&path=${encodeURIComponent(item.path)}`;
      const res = await fetch(url, { method: 'POST', body: item.file, headers: { 'content-type': 'application/octet-stream' } });
      if (!res.ok) throw new Error(`${item.path}: ${(await res.text()) || res.statusText}`);
      dir = ((await res.json()) as { dir: string }).dir;
      onProgress?.(++done, items.length);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return dir;
}
