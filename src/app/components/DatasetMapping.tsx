import { useState } from 'react';
import type { FieldMapping, ImportPlan } from '../../data';
import { cleanText } from '../../util/text';
import { dropMapping, importWithMapping } from '../datasetActions';

/** Rows of the sample shown beside the form, each cut to this many characters. */
const SAMPLE_CHARS = 300;

/**
 * Dropped files whose fields are named otherwise than the dataset's layout expects: each field the
 * layout reads gets a choice among the file's own fields, with the file's first rows to look at.
 */
export function DatasetMapping({ plan }: { plan: ImportPlan }) {
  const [mapping, setMapping] = useState<FieldMapping>(plan.mapping);
  const files = plan.parts.map((p) => p.file).join(', ');
  return (
    <form
      className="mapping"
      aria-labelledby="mapping-heading"
      onSubmit={(e) => {
        e.preventDefault();
        void importWithMapping(mapping);
      }}
    >
      <h3 id="mapping-heading">
        Which fields of <bdi>{cleanText(files)}</bdi> hold what {plan.dataset} needs?
      </h3>
      <p role="alert">
        <bdi>{cleanText(plan.problem ?? '')}</bdi>. Pick the file's field for each of them; the choice is remembered for {plan.dataset}.
      </p>
      {Object.keys(plan.mapping).map((field) => {
        const id = `map-${field}`;
        const options = plan.fields.includes(mapping[field]) ? plan.fields : [mapping[field], ...plan.fields];
        return (
          <p key={field}>
            <label htmlFor={id}>{field}</label>{' '}
            <select id={id} value={mapping[field]} onChange={(e) => setMapping({ ...mapping, [field]: e.target.value })}>
              {options.map((f) => (
                <option key={f} value={f}>
                  {plan.fields.includes(f) ? cleanText(f) : `${cleanText(f)} (not in the file)`}
                </option>
              ))}
            </select>
          </p>
        );
      })}
      <details>
        <summary>The file's first rows</summary>
        {plan.sample.map((row, i) => (
          <pre key={i} className="wrap">
            {cleanText(JSON.stringify(row)).slice(0, SAMPLE_CHARS)}
          </pre>
        ))}
      </details>
      <button type="submit">Import with these fields</button>{' '}
      <button type="button" onClick={dropMapping}>
        Cancel
      </button>
    </form>
  );
}
