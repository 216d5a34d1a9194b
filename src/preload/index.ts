// Builds the renderer's `api` from the shared contract: one named function per channel, one
// subscribe function per event stream. Never ipcRenderer itself, never an IpcRendererEvent.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_METHODS, DROP_CHANNEL, EVENT_METHODS, type ApiMethodName, type ContractApi, type EventMethodName } from '../shared/contract';

function buildApi(): ContractApi {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(API_METHODS) as ApiMethodName[]) {
    const channel = API_METHODS[name];
    api[name] = (request: unknown) => ipcRenderer.invoke(channel, request ?? null);
  }
  for (const name of Object.keys(EVENT_METHODS) as EventMethodName[]) {
    const channel = `event:${EVENT_METHODS[name]}`;
    api[name] = (listener: (payload: unknown) => void) => {
      const wrapped = (_event: unknown, payload: unknown): void => listener(payload);
      ipcRenderer.on(channel, wrapped);
      return () => {
        ipcRenderer.removeListener(channel, wrapped);
      };
    };
  }
  // The path is looked up here, not taken from the page: only a File the user dropped has one.
  api['grantDropped'] = (file: object) => ipcRenderer.invoke(DROP_CHANNEL, webUtils.getPathForFile(file as File));
  return api as ContractApi;
}

export const api = buildApi();
export type PreloadApi = typeof api;

contextBridge.exposeInMainWorld('api', api);
