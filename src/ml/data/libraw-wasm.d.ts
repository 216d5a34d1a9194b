// The Emscripten module inside libraw-wasm (its package types cover only the Web Worker front end).
declare module 'libraw-wasm/dist/libraw.js' {
  const factory: (options: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
