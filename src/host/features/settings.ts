import { promises as fs } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { AppInfo, DirEntry, Settings } from '../../shared/contract';
import { DenoiseError } from '../../shared/errors';
import { IMAGE_EXTENSIONS } from '../../shared/image-formats';
import type { Handlers, HostContext } from '../host-context';
import { defaultSettings } from '../settings-store';

type SettingsHandlers = Pick<Handlers, 'app:info' | 'settings:get' | 'settings:set' | 'backend:report' | 'kinds:list' | 'fs:list' | 'dialog:open'>;

const FOLDER_SETTINGS = ['modelsDir', 'outputDir'] as const;

/**
 * The saved settings, checked again at start-up: settings.json is shared with the other mode and
 * may have been edited by hand, so a folder in it is used only where this mode could have
 * granted it. Web: inside its fixed roots. Desktop: any folder the user picked, but never a
 * file-system root (`modelsDir: "/"` would open everything). A refused folder falls back to the
 * default, and settings.json is left as it is.
 */
export async function applySavedSettings(ctx: HostContext): Promise<void> {
  const saved = ctx.settings.get();
  const defaults = defaultSettings(ctx.options.dataHome);
  const fixes: Partial<Settings> = {};
  for (const key of FOLDER_SETTINGS) {
    const dir = saved[key];
    const usable =
      isAbsolute(dir) && dirname(resolve(dir)) !== resolve(dir) && (ctx.options.mode === 'desktop' || (await ctx.guard.check(dir, 'Folder').then(() => true, () => false)));
    if (usable) ctx.guard.grant(dir);
    else fixes[key] = defaults[key];
  }
  if (Object.keys(fixes).length > 0) ctx.settings.override(fixes);
}

export function setupSettings(ctx: HostContext): SettingsHandlers {
  const { options, guard, engine, settings } = ctx;
  return {
    'app:info': async (): Promise<AppInfo> => ({
      version: options.version,
      mode: options.mode,
      nativeDialogs: options.openDialog !== undefined,
      browseRoot: options.browseRoot,
    }),

    'settings:get': async () => settings.get(),

    // A folder setting must already be the user's: inside the roots, or picked in the native dialog.
    'settings:set': async (patch) => {
      const checked: Partial<Settings> = { ...patch };
      for (const key of FOLDER_SETTINGS) {
        const dir = patch[key];
        if (dir === undefined) continue;
        checked[key] = await guard.check(dir, 'Folder');
        await fs.mkdir(checked[key] as string, { recursive: true });
      }
      const before = settings.get();
      if (patch.backend !== undefined && patch.backend !== before.backend && engine.activeJobs().length > 0) {
        throw new DenoiseError('E_INVALID_ARGUMENT', 'Finish or cancel the running job before changing the compute backend');
      }
      const next = await settings.update(checked);
      if (next.backend !== before.backend) engine.restart();
      return next;
    },

    'backend:report': async ({ refresh }) => engine.request('backend', { refresh }),

    'kinds:list': async () => engine.request('kinds', null),

    'fs:list': async ({ path }) => {
      const target = await guard.check(path ?? options.browseRoot, 'Folder');
      const entries = await fs.readdir(target, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        throw new DenoiseError(err.code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO', `Cannot list ${target}: ${err.message}`);
      });
      const out: DirEntry[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const full = join(target, entry.name);
        if (entry.isDirectory()) out.push({ name: entry.name, path: full, kind: 'dir' });
        else if (entry.isFile() && (IMAGE_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase())) out.push({ name: entry.name, path: full, kind: 'image' });
      }
      out.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      const realRoot = await guard.check(options.browseRoot, 'Folder');
      const parent = target === realRoot ? null : resolve(target, '..');
      return { path: target, parent: parent !== null && (await guard.check(parent, 'Folder').catch(() => null)) ? parent : null, entries: out };
    },

    'dialog:open': async ({ what }) => {
      if (!options.openDialog) throw new DenoiseError('E_INVALID_ARGUMENT', 'The web UI has no native file dialog; browse the folders on the server instead');
      const picked = await options.openDialog(what);
      for (const p of picked) guard.grant(p);
      return picked;
    },
  };
}
