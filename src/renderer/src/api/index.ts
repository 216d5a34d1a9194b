import type { ApiMethodName, ContractApi, EventMap, EventMethodName, EVENT_METHODS, API_METHODS, RequestOf, ResponseOf } from '../../../shared/contract';
import { hasImageExtension } from '../../../shared/image-formats';
import { ApiError } from './errors';
import { createWebClient, uploadFiles, type UploadItem } from './web-client';

/**
 * The only module that touches window.api. Stores call `call()` and `subscribe()`; tests give
 * them a fake with `setApi()`. On the desktop window.api comes from the preload; in the web
 * mode the same contract runs over a WebSocket.
 */
let impl: ContractApi | null = null;

export function setApi(api: ContractApi | null): void {
  impl = api;
}

function current(): ContractApi {
  impl ??= window.api ?? createWebClient();
  return impl;
}

export function isDesktop(): boolean {
  return typeof window.api?.grantDropped === 'function';
}

type ChannelOf<M extends ApiMethodName> = (typeof API_METHODS)[M];

/** Calls one contract function and unwraps its Result; failures throw ApiError. */
export async function call<M extends ApiMethodName>(method: M, request: RequestOf<ChannelOf<M>>): Promise<ResponseOf<ChannelOf<M>>> {
  const fn = current()[method] as (r: RequestOf<ChannelOf<M>>) => Promise<{ ok: true; value: ResponseOf<ChannelOf<M>> } | { ok: false; error: { code: never; message: string } }>;
  const result = await fn(request);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}

export function subscribe<M extends EventMethodName>(method: M, listener: (payload: EventMap[(typeof EVENT_METHODS)[M]]) => void): () => void {
  const fn = current()[method] as (l: typeof listener) => () => void;
  return fn(listener);
}

export interface DroppedPaths {
  folders: string[];
  files: string[];
}

interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}

async function readAll(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const out: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

async function collectFiles(entry: FileSystemEntry, into: UploadItem[]): Promise<void> {
  const e = entry as unknown as EntryLike;
  if (e.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    into.push({ file, path: e.fullPath.replace(/^\/+/, '') });
  } else if (e.isDirectory) {
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await collectFiles(child, into);
  }
}


/**
 * What the user dropped, as paths the host can open: on the desktop the files' own paths; in
 * the web mode the images are uploaded first and the server-side folders are returned. Each
 * dropped folder becomes one entry of `folders`; loose images are grouped into one upload.
 */
export async function droppedPaths(transfer: DataTransfer, onProgress?: (done: number, total: number) => void): Promise<DroppedPaths & { ignored: string[] }> {
  // Items and their File objects in one pass, so an entry is never paired with another item's file.
  const dropped = [...transfer.items].filter((item) => item.kind === 'file').map((item) => ({ entry: item.webkitGetAsEntry(), file: item.getAsFile() }));
  if (dropped.length === 0) for (const file of transfer.files) dropped.push({ entry: null, file });
  const entries = dropped.map((d) => d.entry);
  const api = current();
  if (api.grantDropped) {
    const out: DroppedPaths & { ignored: string[] } = { folders: [], files: [], ignored: [] };
    for (const { entry, file } of dropped) {
      if (!file) continue;
      // The host grants what was really dropped and answers with its path on disk.
      const granted = await api.grantDropped(file);
      if (!granted.ok) continue;
      const path = granted.value;
      if (entry?.isDirectory) out.folders.push(path);
      else if (hasImageExtension(file.name)) out.files.push(path);
      else out.ignored.push(file.name);
    }
    return out;
  }
  const items: UploadItem[] = [];
  const topFolders: string[] = [];
  const ignored: string[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry?.isDirectory) {
      topFolders.push(entry.name);
      await collectFiles(entry, items);
    } else {
      const file = dropped[i]?.file;
      if (file) items.push({ file, path: file.name });
    }
  }
  // Loose images go into one named folder, so the dataset they become has a readable name.
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  for (const item of items) if (!item.path.includes('/')) item.path = `dropped-${stamp}/${item.path}`;
  const images = items.filter((it) => {
    if (hasImageExtension(it.path)) return true;
    ignored.push(it.path);
    return false;
  });
  if (images.length === 0) return { folders: [], files: [], ignored };
  const dir = await uploadFiles(images, onProgress);
  const folders = topFolders.filter((f) => images.some((it) => it.path.startsWith(`${f}/`))).map((f) => `${dir}/${f}`);
  const loose = images.filter((it) => !topFolders.some((f) => it.path.startsWith(`${f}/`))).map((it) => `${dir}/${it.path}`);
  return { folders, files: loose, ignored };
}
