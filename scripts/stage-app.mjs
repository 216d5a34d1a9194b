#!/usr/bin/env node
// Packages the app with electron-builder's `--dir` target (no installer) and reports what went
// into app.asar and app.asar.unpacked, the fuses read back from the packaged binary, and whether
// each platform carries only its own native binaries. Where Electron's binary has not been
// downloaded (this needs GitHub) it packages a stand-in: a file holding Electron's fuse sentinel
// and default fuse wire, so everything but the binary itself is the real pipeline.
//
//   npm run build && node scripts/stage-app.mjs [linux|win|mac] [x64|arm64]
//
// Prints JSON; exits 1 when a check fails.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagedBinary } from './after-pack.mjs';
import { readFuses, checkFuses } from './fuses.mjs';
import { isMain } from './is-main.mjs';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar');
const { build, Platform, Arch } = require('electron-builder');

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's defaults for its first nine fuses, as an unflipped binary holds them. */
const DEFAULT_WIRE = '101100011';
const NATIVE_PLATFORMS = ['linux', 'linuxmusl', 'darwin', 'win32'];

const plist = (entries) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0"><dict>${Object.entries(entries)
    .map(([k, v]) => `<key>${k}</key><string>${v}</string>`)
    .join('')}</dict></plist>\n`;

/** A directory electron-builder accepts as `electronDist`, with a stand-in binary. */
export function fakeElectronDist(platform, version) {
  const dir = mkdtempSync(join(tmpdir(), `fake-electron-${platform}-`));
  const binary = Buffer.concat([Buffer.alloc(4096, 0x7f), Buffer.from(SENTINEL, 'ascii'), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE, 'ascii'), Buffer.alloc(1024, 0x7f)]);
  if (platform === 'mac') {
    // The bundle layout electron-builder rewrites: Info.plists, the main executable, the helper
    // apps it renames, and Electron Framework, which holds the fuse wire on macOS.
    const contents = join(dir, 'Electron.app', 'Contents');
    const bundle = (name, executable) => ({ CFBundleExecutable: executable, CFBundleIdentifier: `com.github.${name.replace(/\W/g, '')}`, CFBundleName: name, CFBundleDisplayName: name, CFBundleShortVersionString: version, CFBundleVersion: version });
    mkdirSync(join(contents, 'MacOS'), { recursive: true });
    mkdirSync(join(contents, 'Resources'), { recursive: true });
    writeFileSync(join(contents, 'Info.plist'), plist({ ...bundle('Electron', 'Electron'), CFBundleIconFile: 'electron.icns' }));
    writeFileSync(join(contents, 'MacOS', 'Electron'), Buffer.alloc(64, 0x7f), { mode: 0o755 });
    for (const suffix of ['', ' (Renderer)', ' (GPU)', ' (Plugin)']) {
      const helper = join(contents, 'Frameworks', `Electron Helper${suffix}.app`, 'Contents');
      mkdirSync(join(helper, 'MacOS'), { recursive: true });
      writeFileSync(join(helper, 'Info.plist'), plist(bundle(`Electron Helper${suffix}`, `Electron Helper${suffix}`)));
      writeFileSync(join(helper, 'MacOS', `Electron Helper${suffix}`), Buffer.alloc(64, 0x7f), { mode: 0o755 });
    }
    const framework = join(contents, 'Frameworks', 'Electron Framework.framework');
    mkdirSync(framework, { recursive: true });
    writeFileSync(join(framework, 'Electron Framework'), binary);
  } else {
    writeFileSync(join(dir, platform === 'win' ? 'electron.exe' : 'electron'), binary, { mode: 0o755 });
  }
  writeFileSync(join(dir, 'version'), version);
  return dir;
}

/** Every path in the archive, with whether it lives in app.asar.unpacked. */
export function listAsar(asarPath) {
  return asar
    .listPackage(asarPath, { isPack: false })
    .map((path) => ({ path, stat: asar.statFile(asarPath, path.slice(1), false) }))
    .filter(({ stat }) => 'size' in stat)
    .map(({ path, stat }) => ({ path, size: stat.size, unpacked: stat.unpacked === true }));
}

/** The checks that matter for an installer of `nodePlatform` (process.platform naming). */
export function checkContents(files, nodePlatform, arch) {
  const paths = files.map((f) => f.path);
  const unpacked = new Set(files.filter((f) => f.unpacked).map((f) => f.path));
  const problems = [];
  const foreign = NATIVE_PLATFORMS.filter((p) => p !== nodePlatform);
  const dawnDir = nodePlatform === 'darwin' ? 'darwin-universal' : `${nodePlatform}-${arch}`;
  for (const path of paths) {
    const sharp = /\/node_modules\/@img\/sharp-(?:libvips-)?([a-z0-9]+)-/.exec(path);
    if (sharp && foreign.includes(sharp[1] ?? '')) problems.push(`foreign sharp binary: ${path}`);
    const dawn = /\/node_modules\/webgpu\/dist\/([^/]+)\//.exec(path);
    if (dawn && dawn[1] !== dawnDir) problems.push(`foreign Dawn build: ${path}`);
    if (/\/node_modules\/@tensorflow\/tfjs-node(-gpu)?\//.test(path)) problems.push(`tfjs-node is not shipped: ${path}`);
    if (/\.(node|wasm)$/.test(path) && !unpacked.has(path)) problems.push(`loaded by path but packed in the asar: ${path}`);
  }
  const need = (what, test) => {
    if (!paths.some((p) => test(p) && unpacked.has(p))) problems.push(`missing from app.asar.unpacked: ${what}`);
  };
  need('Dawn (webgpu) dawn.node', (p) => p === `/node_modules/webgpu/dist/${dawnDir}/dawn.node`);
  for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) need(wasm, (p) => p.endsWith(`/tfjs-backend-wasm/dist/${wasm}`));
  need('the starter models', (p) => p.startsWith('/resources/models/') && p.endsWith('/meta.json'));
  for (const entry of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json']) {
    if (!paths.includes(entry)) problems.push(`missing from app.asar: ${entry}`);
  }
  return problems;
}

/** Sizes by package (or top folder), largest first, in MB. */
function bySize(files) {
  const sizes = new Map();
  for (const { path, size, unpacked } of files) {
    const parts = path.split('/').slice(1);
    const key = parts[0] === 'node_modules' ? parts.slice(0, (parts[1] ?? '').startsWith('@') ? 3 : 2).join('/') : parts.slice(0, 2).join('/');
    const entry = sizes.get(key) ?? { packed: 0, unpacked: 0 };
    entry[unpacked ? 'unpacked' : 'packed'] += size;
    sizes.set(key, entry);
  }
  const mb = (n) => Math.round(n / 1e5) / 10;
  return [...sizes].sort((a, b) => b[1].packed + b[1].unpacked - (a[1].packed + a[1].unpacked)).map(([name, s]) => ({ name, packedMB: mb(s.packed), unpackedMB: mb(s.unpacked) }));
}

async function main() {
  const target = process.argv[2] ?? (process.platform === 'win32' ? 'win' : 'linux');
  const arch = process.argv[3] ?? process.arch;
  if (!['linux', 'win', 'mac'].includes(target) || !['x64', 'arm64'].includes(arch)) {
    console.error('usage: node scripts/stage-app.mjs [linux|win|mac] [x64|arm64]');
    process.exit(2);
  }
  if (!existsSync('out/main/index.js')) {
    console.error('stage-app: the app is not built; run `npm run build` first');
    process.exit(2);
  }
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const realDist = join('node_modules', 'electron', 'dist');
  const nodePlatform = { linux: 'linux', win: 'win32', mac: 'darwin' }[target];
  const sameHost = nodePlatform === process.platform;
  const electronDist = sameHost && existsSync(realDist) ? realDist : fakeElectronDist(target, electronVersion);
  const output = mkdtempSync(join(tmpdir(), 'stage-app-'));
  mkdirSync(output, { recursive: true });
  const platform = { linux: Platform.LINUX, win: Platform.WINDOWS, mac: Platform.MAC }[target];
  const config = {
    electronDist,
    directories: { output },
    // The stand-in is not a Windows executable, so its resources (icon, version, the asar
    // integrity hash) cannot be edited; the real build does all three.
    ...(target === 'win' && electronDist !== realDist ? { win: { signAndEditExecutable: false }, disableAsarIntegrity: true } : {}),
    // Signing needs a keychain identity and Apple's tools; the workflow's macOS runners sign ad hoc.
    ...(target === 'mac' ? { mac: { identity: null, notarize: false } } : {}),
  };
  // electron-builder logs to stdout; keep stdout for the JSON report alone.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr);
  try {
    await build({ targets: platform.createTarget('dir', Arch[arch]), config, publish: 'never' });
  } finally {
    process.stdout.write = stdoutWrite;
  }

  const appOutDir = target === 'mac' ? join(output, arch === 'x64' ? 'mac' : `mac-${arch}`) : join(output, `${target}-${arch === 'x64' ? '' : `${arch}-`}unpacked`);
  const asarPath = target === 'mac' ? join(appOutDir, 'Denoise Studio.app', 'Contents', 'Resources', 'app.asar') : join(appOutDir, 'resources', 'app.asar');
  const files = listAsar(asarPath);
  const binary = packagedBinary({ appOutDir, electronPlatformName: nodePlatform, packager: { appInfo: { productFilename: 'Denoise Studio' }, executableName: 'denoise-studio' } });
  const problems = [...checkContents(files, nodePlatform, arch), ...(await checkFuses(binary))];
  // macOS keeps the asar's hash in Info.plist, where the integrity fuse makes Electron check it.
  if (target === 'mac' && !readFileSync(join(binary, 'Contents', 'Info.plist'), 'utf8').includes('<key>ElectronAsarIntegrity</key>')) problems.push('Info.plist has no ElectronAsarIntegrity');
  const report = {
    target: `${target}-${arch}`,
    electron: electronDist === realDist ? `real ${electronVersion}` : `stand-in for ${electronVersion} (binary not downloaded)`,
    appOutDir,
    asar: { files: files.filter((f) => !f.unpacked).length, MB: Math.round(files.filter((f) => !f.unpacked).reduce((n, f) => n + f.size, 0) / 1e5) / 10 },
    unpacked: { files: files.filter((f) => f.unpacked).length, MB: Math.round(files.filter((f) => f.unpacked).reduce((n, f) => n + f.size, 0) / 1e5) / 10 },
    largest: bySize(files).slice(0, 15),
    unpackedNative: files.filter((f) => f.unpacked && /\.(node|wasm|so[.\d]*|dll|dylib)$/.test(f.path)).map((f) => f.path),
    fuses: await readFuses(binary),
    problems,
  };
  console.log(JSON.stringify(report, null, 2));
  if (electronDist !== realDist) rmSync(electronDist, { recursive: true, force: true });
  process.exit(problems.length === 0 ? 0 : 1);
}

if (isMain(import.meta.url)) await main();
