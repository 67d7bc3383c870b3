/**
 * The page's handle on the engine worker. The worker can be replaced: when a
 * cancelled run does not stop in time (a long GPU submission, a hung driver),
 * the page terminates it and starts a fresh one rather than wait.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from './engineApi';

export class EngineClient {
  private worker!: Worker;
  api!: Comlink.Remote<EngineApi>;

  /** `onCrash` hears of errors the worker could not report through a call (a failed script load). */
  constructor(private readonly onCrash: (message: string) => void) {
    this.spawn();
  }

  private spawn(): void {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'quantlab-engine' });
    this.worker.addEventListener('error', (e) => {
      e.preventDefault();
      this.onCrash(e.message || 'the engine worker failed to start');
    });
    this.api = Comlink.wrap<EngineApi>(this.worker);
  }

  /** Kills the worker (and whatever it was running) and starts a new one; the GPU and the model must be set up again. */
  restart(): void {
    this.api[Comlink.releaseProxy]();
    this.worker.terminate();
    this.spawn();
  }
}
