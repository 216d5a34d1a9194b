// Types for scripts/fuses.mjs (plain JavaScript so electron-builder loads it without a build).
import type { FuseConfig } from '@electron/fuses';
export declare const EXPECTED_FUSES: Readonly<Record<string, boolean>>;
export declare function fuseConfig(options?: { resetAdHocDarwinSignature?: boolean }): FuseConfig;
export declare function readFuses(binary: string): Promise<Record<string, string>>;
export declare function checkFuses(binary: string): Promise<string[]>;
