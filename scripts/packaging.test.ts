import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndValidate } from './check-builder-config.mjs';
import { checkContents, type AsarEntry } from './stage-app.mjs';

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema, with the fuse hook and an installer per platform", async () => {
    const config = (await loadAndValidate()) as Record<string, unknown>;
    expect(config['afterPack']).toBe('./scripts/after-pack.mjs');
    expect(config['electronFuses']).toBeUndefined(); // one place sets fuses: the hook
    expect(JSON.stringify(config['linux'])).toMatch(/AppImage.*deb/);
    expect(JSON.stringify(config['win'])).toMatch(/nsis/);
    expect(JSON.stringify(config['mac'])).toMatch(/dmg/);
    const unpack = config['asarUnpack'] as string[];
    for (const glob of ['**/*.node', '**/*.wasm', '**/node_modules/@img/**', '**/node_modules/webgpu/dist/**', 'resources/models/**']) expect(unpack).toContain(glob);
  });

  it('the same check rejects a configuration electron-builder would refuse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'builder-config-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
      writeFileSync(join(dir, 'electron-builder.yml'), 'appId: x\nmac:\n  targt: dmg\n');
      await expect(loadAndValidate(dir)).rejects.toThrow(/does not match the API schema[\s\S]*configuration\.mac/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what an installer carries', () => {
  const entry = (path: string, unpacked = false): AsarEntry => ({ path, size: 1, unpacked });
  const complete = (platform: string): AsarEntry[] => [
    entry('/package.json'),
    entry('/out/main/index.js'),
    entry('/out/preload/index.cjs'),
    entry('/out/renderer/index.html'),
    entry(`/node_modules/webgpu/dist/${platform}/dawn.node`, true),
    entry('/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', true),
    entry('/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', true),
    entry('/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', true),
    entry('/resources/models/dae-gray-sigma25/meta.json', true),
  ];

  it('passes a complete Linux and Windows layout', () => {
    expect(checkContents([...complete('linux-x64'), entry('/node_modules/@img/sharp-linux-x64/lib/sharp.node', true)], 'linux', 'x64')).toEqual([]);
    expect(checkContents(complete('win32-x64'), 'win32', 'x64')).toEqual([]);
    expect(checkContents(complete('darwin-universal'), 'darwin', 'arm64')).toEqual([]);
  });

  it("flags another platform's or architecture's native binaries", () => {
    const files = [...complete('linux-x64'), entry('/node_modules/@img/sharp-win32-x64/lib/sharp.node', true), entry('/node_modules/@img/sharp-libvips-darwin-arm64/lib/libvips.dylib', true), entry('/node_modules/webgpu/dist/linux-arm64/dawn.node', true)];
    const problems = checkContents(files, 'linux', 'x64');
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/sharp-win32.*\n.*libvips-darwin.*\n.*linux-arm64/);
  });

  it('flags a native module or wasm file left inside the archive, and anything missing', () => {
    const files = complete('linux-x64').map((f) => (f.path.endsWith('-simd.wasm') ? { ...f, unpacked: false } : f)).filter((f) => !f.path.startsWith('/resources'));
    const problems = checkContents(files, 'linux', 'x64');
    expect(problems).toContain('loaded by path but packed in the asar: /node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    expect(problems).toContain('missing from app.asar.unpacked: the starter models');
  });
});
