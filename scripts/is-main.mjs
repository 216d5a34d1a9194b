// True when the module at `url` is the script node was started with. Compares URLs built the
// way Node builds import.meta.url (real path, file:// with forward slashes), so it also holds on
// Windows and behind symlinked temp folders (macOS's /tmp).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function isMain(url) {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
