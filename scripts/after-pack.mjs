// electron-builder afterPack hook (electron-builder.yml): flips the fuses of scripts/fuses.mjs
// in the packaged Electron binary, then reads them back and fails the build if any differs.
// electron-builder signs after this hook, so signed builds carry the flipped binary.
import { join } from 'node:path';
import { checkFuses, fuseConfig } from './fuses.mjs';

/** Where electron-builder put the Electron binary (the same rule as its addElectronFuses). */
export function packagedBinary({ appOutDir, electronPlatformName, packager }) {
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    default:
      return join(appOutDir, packager.executableName);
  }
}

export async function afterPack(context) {
  const darwin = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  // Flipping a fuse breaks the ad-hoc signature an unsigned arm64 macOS app needs to start at
  // all; re-sign ad hoc there (a real identity signs again afterwards anyway).
  await context.packager.addElectronFuses(context, fuseConfig({ resetAdHocDarwinSignature: darwin && process.platform === 'darwin' }));
  const binary = packagedBinary(context);
  const wrong = await checkFuses(binary);
  if (wrong.length > 0) throw new Error(`fuses not set in ${binary}: ${wrong.join('; ')}`);
  console.log(`  • fuses set and read back  binary=${binary}`);
}

export default afterPack;
