import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flipFuses } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { afterPack, packagedBinary } from './after-pack.mjs';
import { checkFuses, EXPECTED_FUSES, fuseConfig, readFuses } from './fuses.mjs';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's own defaults for the first nine fuses ('1' on, '0' off): what an unflipped binary holds. */
const ELECTRON_DEFAULT_WIRE = '101100011';

/** A stand-in for the Electron binary: arbitrary bytes around the sentinel and a version-1 fuse wire. */
function fakeElectron(wire = ELECTRON_DEFAULT_WIRE): Buffer {
  const before = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 251));
  const after = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 17) % 253));
  return Buffer.concat([before, Buffer.from(SENTINEL, 'ascii'), Buffer.from([1, wire.length]), Buffer.from(wire, 'ascii'), after]);
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fuses-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (binary: string) => spawnSync(process.execPath, ['scripts/fuses.mjs', binary], { encoding: 'utf8' });

describe('fuses', () => {
  it("reads an unflipped binary's wire by name and lists every fuse the app needs changed", async () => {
    const binary = join(dir, 'electron');
    writeFileSync(binary, fakeElectron());
    const fuses = await readFuses(binary);
    expect(fuses).toMatchObject({ RunAsNode: 'on', EnableCookieEncryption: 'off', EnableNodeOptionsEnvironmentVariable: 'on', EnableNodeCliInspectArguments: 'on', EnableEmbeddedAsarIntegrityValidation: 'off', OnlyLoadAppFromAsar: 'off', GrantFileProtocolExtraPrivileges: 'on', fuse8: 'on' });
    expect(await checkFuses(binary)).toHaveLength(Object.keys(EXPECTED_FUSES).length);
  });

  it('sets exactly the configured fuses and nothing else in the file', async () => {
    const binary = join(dir, 'electron');
    const original = fakeElectron();
    writeFileSync(binary, original);
    await flipFuses(binary, fuseConfig());
    expect(await checkFuses(binary)).toEqual([]);
    const fuses = await readFuses(binary);
    expect(fuses['LoadBrowserProcessSpecificV8Snapshot']).toBe('off'); // not configured: left as it was
    expect(fuses['fuse8']).toBe('on'); // a fuse newer than @electron/fuses: untouched
    const flipped = readFileSync(binary);
    const wireStart = original.indexOf(SENTINEL) + SENTINEL.length + 2;
    const changed = [...flipped.keys()].filter((i) => flipped[i] !== original[i]);
    expect(changed.every((i) => i >= wireStart && i < wireStart + 9)).toBe(true);
    expect(flipped.length).toBe(original.length);
  });

  it('the command prints the wire as JSON and exits 1 until the binary is as shipped, 0 after', async () => {
    const binary = join(dir, 'electron');
    writeFileSync(binary, fakeElectron());
    const before = cli(binary);
    expect(before.status).toBe(1);
    expect(JSON.parse(before.stdout)).toMatchObject({ ok: false, fuses: { RunAsNode: 'on' } });
    await flipFuses(binary, fuseConfig());
    const after = cli(binary);
    expect(after.status).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ ok: true, wrong: [], fuses: { RunAsNode: 'off', OnlyLoadAppFromAsar: 'on' } });
  });

  it('finds the wire inside a macOS .app bundle (in Electron Framework)', async () => {
    const framework = join(dir, 'Denoise Studio.app', 'Contents', 'Frameworks', 'Electron Framework.framework');
    mkdirSync(framework, { recursive: true });
    writeFileSync(join(framework, 'Electron Framework'), fakeElectron());
    await flipFuses(join(dir, 'Denoise Studio.app'), fuseConfig());
    expect(cli(join(dir, 'Denoise Studio.app')).status).toBe(0);
  });

  it('says so for a file that is not an Electron binary', () => {
    const binary = join(dir, 'not-electron');
    writeFileSync(binary, Buffer.alloc(1000, 7));
    const result = cli(binary);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Could not find sentinel/);
  });
});

describe('the afterPack hook', () => {
  const packager = (flip: (binary: string) => Promise<unknown>) => ({
    appInfo: { productFilename: 'Denoise Studio' },
    executableName: 'denoise-studio',
    addElectronFuses: (context: { appOutDir: string }, config: object) => flip(join(context.appOutDir, 'denoise-studio')).then(() => config),
  });

  it("names each platform's binary the way electron-builder lays it out", () => {
    const p = packager(async () => undefined);
    expect(packagedBinary({ appOutDir: '/o', electronPlatformName: 'linux', packager: p })).toBe(join('/o', 'denoise-studio'));
    expect(packagedBinary({ appOutDir: '/o', electronPlatformName: 'win32', packager: p })).toBe(join('/o', 'Denoise Studio.exe'));
    expect(packagedBinary({ appOutDir: '/o', electronPlatformName: 'darwin', packager: p })).toBe(join('/o', 'Denoise Studio.app'));
  });

  it('flips the packaged binary through electron-builder and reads it back', async () => {
    writeFileSync(join(dir, 'denoise-studio'), fakeElectron());
    await afterPack({ appOutDir: dir, electronPlatformName: 'linux', packager: packager((binary) => flipFuses(binary, fuseConfig())) });
    expect(await checkFuses(join(dir, 'denoise-studio'))).toEqual([]);
  });

  it('fails the build when the read-back differs', async () => {
    writeFileSync(join(dir, 'denoise-studio'), fakeElectron());
    const noFlip = packager(async () => undefined);
    await expect(afterPack({ appOutDir: dir, electronPlatformName: 'linux', packager: noFlip })).rejects.toThrow(/fuses not set .*RunAsNode is on, expected off/);
  });
});
