import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DenoiseError } from '../../shared/errors';
import { fromFsError } from './fs-error';
import { describeImageExtensions, hasImageExtension } from '../../shared/image-formats';
import { isInsideRoot } from './path-guard';
import { toSkippedFile, type SkippedFile } from './skipped-file';

export interface ScanOptions {
  /** Descend into subfolders (default false). */
  recursive?: boolean;
}

export interface FolderScan {
  /** Whether the input named a folder or a single image file. */
  input: 'folder' | 'file';
  /** Absolute folder the files belong to; for a single-file input, that file's folder. */
  root: string;
  /** Absolute paths of candidate images, sorted by code unit so every machine sees one order. */
  files: string[];
  /** Entries that look like they were meant as input but were refused, with the reason. */
  skipped: SkippedFile[];
  /** Subfolders that were not entered because `recursive` was off (lets callers hint at it). */
  subfoldersNotScanned: number;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

function unsupported(file: string): SkippedFile {
  return {
    file,
    code: 'E_UNSUPPORTED_FORMAT',
    message: `${file} is not a supported image type (supported: ${describeImageExtensions()}).`,
  };
}

interface Walk {
  realRoot: string;
  recursive: boolean;
  files: string[];
  skipped: SkippedFile[];
  /** Real paths already taken, so a symlink to an image (or a folder) never yields it twice. */
  seen: Set<string>;
  subfoldersNotScanned: number;
}

/**
 * Resolves where a directory entry really points. Regular entries need no realpath call: their
 * real location is the (already real) parent plus their name.
 */
async function resolveEntry(
  walk: Walk,
  entry: Dirent,
  path: string,
  realDir: string,
): Promise<{ real: string; kind: 'file' | 'dir' | 'other' } | SkippedFile> {
  if (!entry.isSymbolicLink()) {
    const kind = entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : 'other';
    return { real: join(realDir, entry.name), kind };
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    return toSkippedFile(path, fromFsError(error, path, 'Cannot follow the link'));
  }
  if (!isInsideRoot(walk.realRoot, real)) {
    return {
      file: path,
      code: 'E_PATH_OUTSIDE_ROOT',
      message: `${path} links to ${real}, which is outside the chosen folder; it was not read.`,
    };
  }
  try {
    const info = await stat(real);
    return { real, kind: info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other' };
  } catch (error) {
    return toSkippedFile(path, fromFsError(error, path, 'Cannot follow the link'));
  }
}

async function walkDir(walk: Walk, dir: string, realDir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    walk.skipped.push(toSkippedFile(dir, fromFsError(error, dir, 'Cannot list the folder')));
    return;
  }
  entries.sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const path = join(dir, entry.name);
    // Links to non-images and to folders we would not enter are not worth a realpath call.
    const wanted = entry.isDirectory() || entry.isSymbolicLink() || hasImageExtension(entry.name);
    if (!wanted) {
      if (entry.isFile()) walk.skipped.push(unsupported(path));
      continue;
    }
    if (entry.isDirectory() && !walk.recursive) {
      walk.subfoldersNotScanned += 1;
      continue;
    }
    const resolved = await resolveEntry(walk, entry, path, realDir);
    if ('code' in resolved) {
      walk.skipped.push(resolved);
      continue;
    }
    if (resolved.kind === 'dir') {
      if (!walk.recursive) {
        walk.subfoldersNotScanned += 1;
      } else if (!walk.seen.has(resolved.real)) {
        walk.seen.add(resolved.real);
        await walkDir(walk, path, resolved.real);
      }
    } else if (resolved.kind === 'file') {
      if (!hasImageExtension(entry.name)) {
        walk.skipped.push(unsupported(path));
      } else if (!walk.seen.has(resolved.real)) {
        walk.seen.add(resolved.real);
        walk.files.push(path);
      }
    }
    // Sockets, FIFOs and devices are ignored: opening a FIFO named x.png would block forever.
  }
}

/**
 * Lists the images under `root` (or `root` itself when it is an image file, for
 * `denoise --input FILE`). Hidden entries are ignored; files with other extensions and links
 * that leave the root are reported in `skipped`, never thrown.
 */
export async function scanImageFolder(root: string, options: ScanOptions = {}): Promise<FolderScan> {
  const absRoot = resolve(root);
  let info;
  try {
    info = await stat(absRoot);
  } catch (error) {
    const mapped = fromFsError(error, absRoot, 'Cannot open the input');
    if (mapped.code === 'E_NOT_FOUND') {
      throw new DenoiseError('E_NOT_FOUND', `${absRoot} does not exist.`, { file: absRoot });
    }
    throw mapped;
  }

  if (info.isFile()) {
    if (!hasImageExtension(absRoot)) {
      const { message } = unsupported(absRoot);
      throw new DenoiseError('E_UNSUPPORTED_FORMAT', message, { file: absRoot });
    }
    return { input: 'file', root: dirname(absRoot), files: [absRoot], skipped: [], subfoldersNotScanned: 0 };
  }
  if (!info.isDirectory()) {
    throw new DenoiseError('E_UNSUPPORTED_FORMAT', `${absRoot} is neither a folder nor an image file.`, {
      file: absRoot,
    });
  }

  const realRoot = await realpath(absRoot);
  const walk: Walk = {
    realRoot,
    recursive: options.recursive ?? false,
    files: [],
    skipped: [],
    seen: new Set([realRoot]),
    subfoldersNotScanned: 0,
  };
  await walkDir(walk, absRoot, realRoot);
  walk.files.sort(compareCodeUnits);
  return {
    input: 'folder',
    root: absRoot,
    files: walk.files,
    skipped: walk.skipped,
    subfoldersNotScanned: walk.subfoldersNotScanned,
  };
}

/** The name a file is known by inside its scan: relative, with '/' separators on every OS. */
export function relativeImageName(root: string, file: string): string {
  const rel = relative(resolve(root), resolve(file));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return basename(file);
  return rel.split(sep).join('/');
}
