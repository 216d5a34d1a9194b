/**
 * Whether `target` is `root` or lies below it, for paths already made real (symlinks resolved).
 * Compared with path.relative, never string prefixes, so `/home/ann/photos-evil` is not inside
 * `/home/ann/photos`. The path module is passed in because src/shared loads nothing from Node:
 * the engine and the hosts pass `node:path`, tests may pass `path.win32`.
 */
export interface PathOps {
  relative(from: string, to: string): string;
  isAbsolute(path: string): boolean;
  sep: string;
}

export function isInsideRoot(root: string, target: string, path: PathOps): boolean {
  const rel = path.relative(root, target);
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
