export declare function isMain(url: string): boolean;
