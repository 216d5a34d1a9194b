// Types for scripts/icon-formats.mjs (plain JavaScript so the icon script runs without a build).
export interface SizedPng { size: number; png: Buffer }
export declare const ICNS_TYPES: Record<number, string>;
export declare function encodeIco(images: readonly SizedPng[]): Buffer;
export declare function decodeIco(buffer: Buffer): SizedPng[];
export declare function encodeIcns(images: readonly SizedPng[]): Buffer;
export declare function decodeIcns(buffer: Buffer): { type: string; png: Buffer }[];
