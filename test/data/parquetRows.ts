/**
 * Parquet files as the Hub's converter writes them, from real rows: top-level whole numbers as
 * INT64 (ClassLabel), nested ones as INT32, lists as 3-level LIST, objects as structs; written
 * with hyparquet-writer in row groups of `rowGroupSize`.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';

/** The writer's own SchemaElement (it carries its own hyparquet). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

function element(name: string, sample: unknown, top: boolean): SchemaElement[] {
  if (typeof sample === 'string') return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }];
  if (typeof sample === 'boolean') return [{ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }];
  if (typeof sample === 'number') return [{ name, type: top ? 'INT64' : 'INT32', repetition_type: 'OPTIONAL' }];
  if (Array.isArray(sample)) {
    return [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...element('element', sample[0], false),
    ];
  }
  const entries = Object.entries(sample as Record<string, unknown>);
  return [{ name, repetition_type: 'OPTIONAL', num_children: entries.length }, ...entries.flatMap(([k, v]) => element(k, v, false))];
}

export function hfParquet(rows: Record<string, unknown>[], rowGroupSize = 1000): Uint8Array {
  const names = Object.keys(rows[0]);
  const schema: SchemaElement[] = [{ name: 'root', num_children: names.length }, ...names.flatMap((n) => element(n, rows[0][n], true))];
  const columnData = names.map((name) => ({
    name,
    data: rows.map((r) => (typeof r[name] === 'number' ? BigInt(r[name] as number) : r[name])) as unknown[],
  }));
  return new Uint8Array(parquetWriteBuffer({ schema, columnData: columnData as never, rowGroupSize }));
}
