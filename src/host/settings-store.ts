import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BACKEND_CHOICES } from '../shared/backend';
import type { Settings } from '../shared/contract';
import { writeFileAtomic } from '../ml/store/atomic-write';

/**
 * The user's settings as one JSON file in the app's data folder, shared by the desktop app and
 * the web mode. A damaged or foreign file falls back to the defaults rather than blocking start.
 */
const settingsSchema = z.object({
  backend: z.enum(BACKEND_CHOICES as [string, ...string[]]),
  modelsDir: z.string().min(1),
  outputDir: z.string().min(1),
  theme: z.enum(['system', 'light', 'dark']),
});

/** Same folder as the CLI's (ml/store defaultModelsRoot), without importing the tfjs-loading store. */
export function defaultDataHome(): string {
  return process.env['DENOISE_STUDIO_HOME'] ?? join(homedir(), '.denoise-studio');
}

export function defaultSettings(dataHome: string): Settings {
  return { backend: 'auto', modelsDir: join(dataHome, 'models'), outputDir: join(dataHome, 'outputs'), theme: 'system' };
}

export class SettingsStore {
  private current: Settings;
  private readonly file: string;

  private constructor(file: string, initial: Settings) {
    this.file = file;
    this.current = initial;
  }

  static async open(dataHome: string): Promise<SettingsStore> {
    const file = join(dataHome, 'settings.json');
    const defaults = defaultSettings(dataHome);
    let initial = defaults;
    try {
      const parsed = settingsSchema.partial().safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success) initial = { ...defaults, ...(parsed.data as Partial<Settings>) };
    } catch {
      // No file yet, or unreadable: defaults.
    }
    return new SettingsStore(file, initial);
  }

  /** Replaces values for this session only (the file keeps what the user saved). */
  override(patch: Partial<Settings>): void {
    this.current = { ...this.current, ...patch };
  }

  get(): Settings {
    return { ...this.current };
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    this.current = { ...this.current, ...patch };
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(this.current, null, 2));
    return this.get();
  }
}
