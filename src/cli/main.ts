import { Command } from 'commander';
import { benchCommand } from './bench';
import { evalCommand } from './eval';
import { mergeCommand } from './merge';

const program = new Command();
program
  .name('quantlab')
  .description('Runs a Llama-family model on WebGPU (Dawn) and measures what quantization does to it.')
  .showHelpAfterError()
  .addCommand(evalCommand())
  .addCommand(mergeCommand())
  .addCommand(benchCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`quantlab: ${message}\n`);
  process.exit(1);
});
