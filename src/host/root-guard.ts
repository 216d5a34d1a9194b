import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { DenoiseError } from '../shared/errors';
import { isInsideRoot } from '../shared/paths';

/**
 * Which folders a host lets the UI touch: fixed roots (the web mode's --root or home, the app's
 * data folder) plus folders the user granted (native dialog, drop). Every check compares real
 * paths (after symlinks, with `..` resolved) using path.relative, never string prefixes, so
 * `/home/ann/photos-evil` is not inside `/home/ann/photos` and a link out of a root is refused.
 */
export function isInside(root: string, target: string): boolean {
  return isInsideRoot(root, target, path);
}

/** The real path of `target`; for a path that does not exist yet, its nearest existing ancestor's real path plus the rest. */
export async function realpathLenient(target: string): Promise<string> {
  const abs = resolve(target);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    const realParent = await realpathLenient(parent);
    return resolve(realParent, relative(parent, abs));
  }
}

/** The real path of `target` if it lies inside one of `roots` (compared as real paths), else null. */
export async function resolveInsideRoots(target: string, roots: readonly string[]): Promise<string | null> {
  if (!isAbsolute(target) || target.includes('\0')) return null;
  const real = await realpathLenient(target);
  for (const root of roots) {
    const realRoot = await realpathLenient(root);
    if (isInside(realRoot, real)) return real;
  }
  return null;
}

export class RootGuard {
  private readonly granted = new Set<string>();

  constructor(private readonly fixed: readonly string[]) {}

  roots(): string[] {
    return [...this.fixed, ...this.granted];
  }

  grant(folder: string): void {
    this.granted.add(resolve(folder));
  }

  /** Returns the real path, or throws E_PATH_OUTSIDE_ROOT naming what was refused. */
  async check(target: string, what: string): Promise<string> {
    const real = await resolveInsideRoots(target, this.roots());
    if (real === null) {
      throw new DenoiseError('E_PATH_OUTSIDE_ROOT', `${what} ${target} is outside the folders this app may use (${this.fixed.join(', ')})`, { path: target });
    }
    return real;
  }

  /** Like check, but against the given roots only (e.g. the models folder for delete). */
  async checkWithin(target: string, roots: readonly string[], what: string): Promise<string> {
    const real = await resolveInsideRoots(target, roots);
    if (real === null) throw new DenoiseError('E_PATH_OUTSIDE_ROOT', `${what} ${target} is not inside ${roots.join(', ')}`, { path: target });
    return real;
  }
}
