/**
 * Turns what the engine throws into what the page says. The engine's errors
 * are already written for people (src/model, src/gpu, src/quant), so their
 * message is shown as it is; this adds a headline and, where the person can
 * do something about it, what to do. Errors cross the worker boundary as
 * plain Errors carrying the original `name`, so that is what is matched.
 */
import type { Problem } from './store';

const NO_WEBGPU_ADVICE =
  'QuantLab runs the model on your GPU through WebGPU. Open this page in a recent Chrome or Edge (version 113 or newer) ' +
  'on a computer with a GPU, and check that hardware acceleration is on (Settings, then System). chrome://gpu shows ' +
  'whether WebGPU is enabled; on Linux it may have to be switched on at chrome://flags/#enable-unsafe-webgpu.';

const OUT_OF_MEMORY_ADVICE =
  'Try a preset with fewer bits per weight, a shorter window (n_ctx), or a smaller model, and close other tabs that use the GPU.';

function parts(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export function isCancelled(error: unknown): boolean {
  return parts(error).name === 'CancelledError';
}

/** A failure to get the GPU at all. */
export function gpuProblem(error: unknown): Problem {
  const { message } = parts(error);
  return { title: 'This browser cannot run QuantLab: WebGPU is not available', message, advice: NO_WEBGPU_ADVICE };
}

/** A failure to open a model. */
export function modelProblem(error: unknown): Problem {
  const { name, message } = parts(error);
  if (name === 'ModelError') return { title: 'This model cannot be used', message };
  return { title: 'The model could not be opened', message };
}

/** A failure during a run. */
export function runProblem(error: unknown): Problem {
  const { name, message } = parts(error);
  // The engine refuses a buffer larger than the GPU can bind before the driver runs out: the same remedy.
  if (/out of memory|binds at most/i.test(message)) {
    return { title: 'The GPU ran out of memory', message, advice: OUT_OF_MEMORY_ADVICE };
  }
  if (/device was lost|device lost/i.test(message)) {
    return {
      title: 'The GPU stopped responding',
      message,
      advice: 'The browser reset the GPU. Press Run again: QuantLab asks for a new GPU device first.',
    };
  }
  if (name === 'GpuError') return { title: 'The GPU refused the work', message };
  if (name === 'PresetError') return { title: 'This preset does not fit the model', message };
  if (name === 'ModelError') return { title: 'The model could not be read', message };
  return { title: 'The run failed', message };
}
