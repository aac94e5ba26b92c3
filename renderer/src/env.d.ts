/// <reference types="vite/client" />
import type { PreloadBridge } from '../../core/host/contract';

declare global {
  interface Window {
    /** Present only inside the Electron window (exposed by the preload). */
    campaignDesk?: PreloadBridge;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
