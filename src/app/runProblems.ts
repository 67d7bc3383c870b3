/** What the page says when the engine itself fails mid-run: its worker died, or the GPU device was lost. */
import type { Problem } from './store';

export function engineProblem(error: Error): Problem {
  const resumeAdvice = 'The results finished so far are kept, and so is the unfinished run (under Unfinished runs). ';
  if (error.name === 'DeviceLostError') {
    return {
      title: 'The GPU was lost during the run',
      message: `${error.message} The browser or the driver reset the GPU, or another program took it.`,
      advice: `${resumeAdvice}Press Resume: QuantLab asks for a new GPU device and continues from the last saved batch.`,
    };
  }
  return {
    title: 'The engine stopped during the run',
    message: `${error.message} The browser may have closed it to free memory, or it crashed.`,
    advice: `${resumeAdvice}Press Resume: QuantLab starts a new engine, opens the model again and continues from the last saved batch.`,
  };
}
