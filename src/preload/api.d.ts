// The renderer sees window.api with the preload object's type, which is the shared contract's.
import type { ContractApi } from '../shared/contract';

declare global {
  interface Window {
    /** Present in the desktop app; absent in the web mode, which speaks the same contract over a WebSocket. */
    api?: ContractApi;
  }
}

export {};
