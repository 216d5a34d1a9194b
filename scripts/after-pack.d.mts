// Types for scripts/after-pack.mjs: the parts of electron-builder's AfterPackContext it reads.
export interface PackContextLike {
  appOutDir: string;
  electronPlatformName: string;
  packager: {
    appInfo: { productFilename: string };
    executableName: string;
    addElectronFuses(context: PackContextLike, config: object): Promise<unknown>;
  };
}
export declare function packagedBinary(context: Pick<PackContextLike, 'appOutDir' | 'electronPlatformName' | 'packager'>): string;
export declare function afterPack(context: PackContextLike): Promise<void>;
export default afterPack;
