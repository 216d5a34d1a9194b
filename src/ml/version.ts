/** Written into every model file; kept equal to package.json's version by version.test.ts. */
export const ENGINE_VERSION = '0.1.0';
/** Bumped when the model folder layout changes incompatibly. */
export const MODEL_FORMAT_VERSION = 1;
