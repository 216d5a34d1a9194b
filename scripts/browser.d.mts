// Types for scripts/browser.mjs, which stays plain JavaScript so `npm run test:e2e` needs no build.
export type FoundBrowser = { path: string; source: 'CHROMIUM_PATH' | 'playwright' | 'system' };
export declare const PLAYWRIGHT_INSTALL: string;
export declare function systemCandidates(platform?: NodeJS.Platform, env?: NodeJS.ProcessEnv): string[];
export declare function playwrightChromiumPath(): string | null;
export declare function findBrowser(options?: {
  env?: NodeJS.ProcessEnv;
  exists?: (path: string) => boolean;
  playwrightPath?: string | null;
  candidates?: readonly string[];
}): FoundBrowser | { error: string } | null;
export declare function canAptInstall(options?: {
  platform?: NodeJS.Platform;
  uid?: number;
  osRelease?: string;
  exists?: (path: string) => boolean;
}): boolean;
export declare function noBrowserMessage(platform?: NodeJS.Platform): string;
