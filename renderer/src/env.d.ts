/// <reference types="vite/client" />
import type { HostBridge } from '../../core/host/contract';

declare global {
  interface Window {
    /** Present only inside the Electron window (exposed by the preload). */
    campaignDesk?: HostBridge;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
