import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { MIME_OF_EXTENSION } from '../shared/image-formats';
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

export interface MediaStoreOptions {
  urlFor: (kind: MediaKind, id: string) => string;
  /** Real-path check against the granted roots; throws when the file is outside them. */
  checkPath: (path: string) => Promise<string>;
  /** Makes a thumbnail (the engine does the decoding). */
  thumbnail: (path: string) => Promise<EncodedImage>;
  maxBlobBytes?: number;
  maxThumbBytes?: number;
}

type Stored = { bytes: Uint8Array; mime: string };

/** A cache capped by total bytes, least recently used out first. */
function bytesCache(maxBytes: number): LRUCache<string, Stored> {
  return new LRUCache<string, Stored>({ maxSize: maxBytes, sizeCalculation: (v) => Math.max(1, v.bytes.byteLength) });
}

export function newMediaId(): string {
  return randomBytes(16).toString('hex');
}

export class MediaStore {
  private readonly blobs: LRUCache<string, Stored>;
  private readonly thumbs: LRUCache<string, Stored>;
  private readonly thumbPaths = new Map<string, string>();
  private readonly thumbIds = new Map<string, string>();
  private readonly files = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<MediaBody>>();

  constructor(private readonly options: MediaStoreOptions) {
    this.blobs = bytesCache(options.maxBlobBytes ?? 256 * 1024 * 1024);
    this.thumbs = bytesCache(options.maxThumbBytes ?? 128 * 1024 * 1024);
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
        const mime = MIME_OF_EXTENSION[extname(real).toLowerCase()] ?? 'application/octet-stream';
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
