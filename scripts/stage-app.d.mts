// Types for scripts/stage-app.mjs.
export interface AsarEntry { path: string; size: number; unpacked: boolean }
export declare function fakeElectronDist(platform: 'linux' | 'win' | 'mac', version: string): string;
export declare function listAsar(asarPath: string): AsarEntry[];
export declare function checkContents(files: readonly AsarEntry[], nodePlatform: NodeJS.Platform, arch: string): string[];
