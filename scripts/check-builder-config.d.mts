// Types for scripts/check-builder-config.mjs.
export declare function loadAndValidate(projectDir?: string): Promise<object>;
