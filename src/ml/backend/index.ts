export { initBackend, type InitBackendOptions } from './init-backend';
export { BACKEND_ORDER, isBackendName, type BackendName, type BackendReport, type SkippedBackend } from '../../shared/backend';
export { runSmokeTest, type SmokeTestResult } from './smoke-test';
export { registerWasmKernels, WASM_CUSTOM_KERNELS } from './wasm-kernels';
export { releaseWebgpu } from './webgpu-backend';
export { WEBGPU_CUSTOM_KERNELS } from './webgpu-kernels';
