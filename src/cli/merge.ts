/** `quantlab merge FILES...`: the shards' JSON lines joined into one sweep, on stdout (JSON lines, or CSV with --csv). */
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { mergeShards, parseJsonl } from '../eval/merge';
import { recordsCsv, recordsJsonl } from '../results/export';

export function mergeCommand(): Command {
  return new Command('merge')
    .description("Join the JSON-lines output of a sweep's shards (eval --shard i/n --json) into one sweep on stdout.")
    .argument('<files...>', 'JSON-lines files, one a shard')
    .option('--csv', "write the sweep as CSV (one row a record, as the page's history export) instead of JSON lines")
    .action(async (files: string[], opts: { csv?: boolean }) => {
      const shards = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (e) {
          throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
        shards.push({ source: file, records: parseJsonl(text, file) });
      }
      const merged = mergeShards(shards);
      process.stdout.write(opts.csv ? recordsCsv(merged) : recordsJsonl(merged));
      process.stderr.write(`${merged.length} records of one sweep from ${files.length} files\n`);
    });
}
