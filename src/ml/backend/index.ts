export { initBackend, type InitBackendOptions } from './init-backend';
export { BACKEND_ORDER, isBackendName, type BackendName, type BackendReport, type SkippedBackend } from './types';
export { runSmokeTest, type SmokeTestResult } from './smoke-test';
export { registerWasmConvKernels, WASM_REGISTERED_KERNELS } from './wasm-conv-kernels';
