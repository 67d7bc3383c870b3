import { useId } from 'react';
import type { Column } from '../../results/view';

/** A chart's choice of which column (task and metric) it plots. */
export function ColumnPicker({ label, columns, value, onPick }: { label: string; columns: readonly Column[]; value: Column; onPick: (index: number) => void }) {
  const id = useId();
  return (
    <label htmlFor={id}>
      {label}{' '}
      <select id={id} value={columns.indexOf(value)} onChange={(e) => onPick(Number(e.target.value))}>
        {columns.map((c, i) => (
          <option key={c.key} value={i}>
            {c.label} ({c.metric.label})
          </option>
        ))}
      </select>
    </label>
  );
}
