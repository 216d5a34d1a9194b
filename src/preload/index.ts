// Builds the renderer's `api` object. Named functions only; never ipcRenderer itself.
import { contextBridge } from 'electron';

const api = {
  appName: (): string => 'Denoise Studio',
};

export type PreloadApi = typeof api;

contextBridge.exposeInMainWorld('api', api);
