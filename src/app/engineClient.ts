/**
 * The page's handle on the engine worker. The worker can be replaced: when a
 * cancelled run does not stop in time (a long GPU submission, a hung driver),
 * or when it died, the page terminates it and starts a fresh one.
 *
 * A worker that closes or crashes mid-run does not always fire `error` (a
 * closed worker fires nothing), so during a run the page also pings it: one
 * that stops answering is taken for dead.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from './engineApi';

/** How often a running worker is pinged. */
const HEARTBEAT_MS = 2000;
/**
 * Silence after which it is taken for dead. The worker's event loop turns between GPU
 * submissions, so even a slow GPU answers within seconds; tokenizing a long text may hold it longer.
 */
const SILENCE_MS = 20_000;

export class EngineClient {
  private worker!: Worker;
  private diedWith: ((message: string) => void) | null = null;
  api!: Comlink.Remote<EngineApi>;

  /** `onCrash` hears of errors the worker could not report through a call (a failed script load). */
  constructor(private readonly onCrash: (message: string) => void) {
    this.spawn();
  }

  private spawn(): void {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'quantlab-engine' });
    this.worker.addEventListener('error', (e) => {
      e.preventDefault();
      const message = e.message || 'the engine worker failed';
      if (this.diedWith) this.diedWith(message);
      else this.onCrash(message);
    });
    this.api = Comlink.wrap<EngineApi>(this.worker);
  }

  /**
   * Settles with the result of `call`, or rejects with an EngineDied error when the worker
   * fires `error` or stops answering pings before `call` settles.
   */
  async watched<T>(call: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setInterval> | undefined;
    const died = new Promise<never>((_, reject) => {
      this.diedWith = (message) => reject(engineDied(message));
      let lastAnswer = Date.now();
      timer = setInterval(() => {
        if (Date.now() - lastAnswer > SILENCE_MS) {
          this.diedWith?.(`it stopped answering for ${Math.round(SILENCE_MS / 1000)} s`);
          return;
        }
        void this.api.ping().then(() => {
          lastAnswer = Date.now();
        });
      }, HEARTBEAT_MS);
    });
    try {
      return await Promise.race([call, died]);
    } finally {
      clearInterval(timer);
      this.diedWith = null;
    }
  }

  /** Kills the worker (and whatever it was running) and starts a new one; the GPU and the model must be set up again. */
  restart(): void {
    this.api[Comlink.releaseProxy]();
    this.worker.terminate();
    this.spawn();
  }
}

function engineDied(detail: string): Error {
  const e = new Error(`The engine worker stopped during the run: ${detail}.`);
  e.name = 'EngineDiedError';
  return e;
}
