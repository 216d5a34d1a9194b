#!/usr/bin/env node
// Electron fuses: switches compiled into the Electron binary, flipped once at package time
// (scripts/after-pack.mjs) and read back from any binary with
// `node scripts/fuses.mjs <Electron binary, .exe or .app>` (prints JSON, exits 1 on a mismatch).
import { createRequire } from 'node:module';
import { isMain } from './is-main.mjs';

const require = createRequire(import.meta.url);
/** @type {typeof import('@electron/fuses')} */
const fuses = require('@electron/fuses');
const { FuseV1Options, FuseVersion, getCurrentFuseWire } = fuses;

/**
 * What the shipped app needs, by @electron/fuses' option name. Why each:
 * - RunAsNode off: ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node interpreter
 *   for anyone who can set an environment variable (the engine uses utilityProcess, not fork).
 * - Cookie encryption on: the session's cookies at rest are encrypted with the OS keychain.
 * - NODE_OPTIONS and --inspect off: neither may inject code or a debugger into the main process.
 * - Embedded asar integrity validation and only-load-app-from-asar on: the app runs only the
 *   code in its own app.asar, whose hash is checked against the one recorded at package time
 *   (enforced on macOS and Windows; Electron does not check it on Linux).
 * - File protocol privileges off: the app serves its pages through app://, never file://.
 */
export const EXPECTED_FUSES = Object.freeze({
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
});

/** The @electron/fuses configuration for flipFuses / electron-builder's addElectronFuses. */
export function fuseConfig({ resetAdHocDarwinSignature = false } = {}) {
  const config = { version: FuseVersion.V1, resetAdHocDarwinSignature };
  for (const [name, on] of Object.entries(EXPECTED_FUSES)) config[FuseV1Options[name]] = on;
  return config;
}

const STATE = { 48: 'off', 49: 'on', 114: 'removed', 144: 'inherit' };

/** The binary's fuse wire by name: { RunAsNode: 'off', ... }; unknown newer fuses as `fuse8`. */
export async function readFuses(binary) {
  const wire = await getCurrentFuseWire(binary);
  if (wire.version !== FuseVersion.V1) throw new Error(`fuse wire version ${wire.version} is not one this script knows`);
  const out = {};
  for (const [index, state] of Object.entries(wire)) {
    if (index === 'version') continue;
    out[FuseV1Options[Number(index)] ?? `fuse${index}`] = STATE[state] ?? `unknown(${state})`;
  }
  return out;
}

/** Differences from EXPECTED_FUSES, as readable lines; empty when the binary is as shipped. */
export async function checkFuses(binary) {
  const actual = await readFuses(binary);
  return Object.entries(EXPECTED_FUSES)
    .filter(([name, on]) => actual[name] !== (on ? 'on' : 'off'))
    .map(([name, on]) => `${name} is ${actual[name] ?? 'missing'}, expected ${on ? 'on' : 'off'}`);
}

if (isMain(import.meta.url)) {
  const binary = process.argv[2];
  if (!binary) {
    console.error('usage: node scripts/fuses.mjs <Electron binary, .exe or .app>');
    process.exit(2);
  }
  try {
    const wrong = await checkFuses(binary);
    console.log(JSON.stringify({ binary, fuses: await readFuses(binary), ok: wrong.length === 0, wrong }, null, 2));
    process.exit(wrong.length === 0 ? 0 : 1);
  } catch (error) {
    console.error(`fuses: ${binary}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
