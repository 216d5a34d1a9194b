import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { ImageRef } from '../shared/contract';
import type { EncodedImage } from '../shared/engine-protocol';
import { DenoiseError } from '../shared/errors';

/**
 * What the renderer may load as an image, by unguessable id only: it never names a path.
 * - `blob`: bytes the engine made (previews, samples), kept in a size-capped LRU.
 * - `thumb`: a small preview of a dataset image; the file's path is bound to the id when the
 *   folder is scanned and is checked against the granted roots again when served.
 * - `file`: a file the app wrote (an export), offered for download.
 * Desktop serves these as media://KIND/ID, the web server as /media/KIND/ID.
 */
export type MediaKind = 'blob' | 'thumb' | 'file';

export interface MediaBody {
  bytes: Uint8Array;
  mime: string;
  /** Set for downloads. */
  filename?: string;
}

export const MEDIA_ID = /^[0-9a-f]{32}$/;

const MIME_BY_EXT: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export interface MediaStoreOptions {
  urlFor: (kind: MediaKind, id: string) => string;
  /** Real-path check against the granted roots; throws when the file is outside them. */
  checkPath: (path: string) => Promise<string>;
  /** Makes a thumbnail (the engine does the decoding). */
  thumbnail: (path: string) => Promise<EncodedImage>;
  maxBlobBytes?: number;
  maxThumbBytes?: number;
}

class Lru<V extends { bytes: Uint8Array }> {
  private readonly map = new Map<string, V>();
  private total = 0;
  constructor(private readonly cap: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old) this.total -= old.bytes.byteLength;
    this.map.delete(key);
    this.map.set(key, value);
    this.total += value.bytes.byteLength;
    for (const [k, v] of this.map) {
      if (this.total <= this.cap || k === key) break;
      this.map.delete(k);
      this.total -= v.bytes.byteLength;
    }
  }
}

export function newMediaId(): string {
  return randomBytes(16).toString('hex');
}

export class MediaStore {
  private readonly blobs: Lru<{ bytes: Uint8Array; mime: string }>;
  private readonly thumbs: Lru<{ bytes: Uint8Array; mime: string }>;
  private readonly thumbPaths = new Map<string, string>();
  private readonly thumbIds = new Map<string, string>();
  private readonly files = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<MediaBody>>();

  constructor(private readonly options: MediaStoreOptions) {
    this.blobs = new Lru(options.maxBlobBytes ?? 256 * 1024 * 1024);
    this.thumbs = new Lru(options.maxThumbBytes ?? 128 * 1024 * 1024);
  }

  addBlob(image: EncodedImage): ImageRef {
    const id = newMediaId();
    this.blobs.set(id, { bytes: image.bytes, mime: image.mime });
    return { url: this.options.urlFor('blob', id), width: image.width, height: image.height };
  }

  thumbUrl(path: string): string {
    let id = this.thumbIds.get(path);
    if (!id) {
      id = newMediaId();
      this.thumbIds.set(path, id);
      this.thumbPaths.set(id, path);
    }
    return this.options.urlFor('thumb', id);
  }

  fileUrl(path: string): string {
    const id = newMediaId();
    this.files.set(id, path);
    return this.options.urlFor('file', id);
  }

  /** Bytes for a media request, or E_NOT_FOUND / E_PATH_OUTSIDE_ROOT. */
  async serve(kind: MediaKind, id: string): Promise<MediaBody> {
    if (!MEDIA_ID.test(id)) throw new DenoiseError('E_NOT_FOUND', 'No such media');
    switch (kind) {
      case 'blob': {
        const blob = this.blobs.get(id);
        if (!blob) throw new DenoiseError('E_NOT_FOUND', 'This preview has expired');
        return blob;
      }
      case 'thumb': {
        const cachedThumb = this.thumbs.get(id);
        if (cachedThumb) return cachedThumb;
        const path = this.thumbPaths.get(id);
        if (!path) throw new DenoiseError('E_NOT_FOUND', 'No such media');
        const running = this.inflight.get(id);
        if (running) return running;
        const job = (async () => {
          const real = await this.options.checkPath(path);
          const image = await this.options.thumbnail(real);
          const body = { bytes: image.bytes, mime: image.mime };
          this.thumbs.set(id, body);
          return body;
        })().finally(() => this.inflight.delete(id));
        this.inflight.set(id, job);
        return job;
      }
      case 'file': {
        const path = this.files.get(id);
        if (!path) throw new DenoiseError('E_NOT_FOUND', 'No such media');
        const real = await this.options.checkPath(path);
        const mime = MIME_BY_EXT[extname(real).toLowerCase()] ?? 'application/octet-stream';
        return { bytes: new Uint8Array(await readFile(real)), mime, filename: basename(real) };
      }
    }
  }
}

/** Parses the KIND/ID tail of a media URL ("thumb/0123..."); null for anything else. */
export function parseMediaPath(tail: string): { kind: MediaKind; id: string } | null {
  const m = /^\/*(blob|thumb|file)\/([0-9a-f]{32})\/?$/.exec(tail);
  if (!m) return null;
  return { kind: m[1] as MediaKind, id: m[2] as string };
}
