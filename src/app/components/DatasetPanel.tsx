import { useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DATASET_IDS, DATASETS } from '../../data';
import { cancelImport, importDataset, removeDataset } from '../datasetActions';
import { clock, count, duration, megabytes } from '../format';
import { useLab } from '../store';
import { DatasetMapping } from './DatasetMapping';
import { ProblemNotice } from './ProblemNotice';

/** Datasets a person imports (the lab's own ship with it and are stored on first use). */
const IMPORTABLE = DATASET_IDS.filter((id) => !DATASETS[id].embedded);

/** The datasets stored in this browser, and the import of more: from the Hub, a URL or dropped files. */
export function DatasetPanel() {
  const { stored, importing, mapping, message, problem } = useLab(useShallow((s) => s.datasets));
  const [dataset, setDataset] = useState(IMPORTABLE[0]);
  const [url, setUrl] = useState('');
  const [dragging, setDragging] = useState(false);
  const spec = DATASETS[dataset];
  const busy = importing !== null;
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (!busy && files.length) void importDataset(dataset, { kind: 'files', files });
  };
  const p = importing?.progress;

  return (
    <section className="panel" aria-labelledby="datasets-heading">
      <h2 id="datasets-heading">Datasets in this browser</h2>
      <div className="scroll-x">
      <table className="datasets">
        <caption className="sr-only">Stored datasets</caption>
        <thead>
          <tr>
            <th scope="col">Dataset</th>
            <th scope="col">From</th>
            <th scope="col" className="num">
              Rows
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Imported</th>
            <th scope="col">
              <span className="sr-only">Delete</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {stored.length === 0 && (
            <tr>
              <td colSpan={6}>None yet: the lab's own datasets are stored when a task first needs them.</td>
            </tr>
          )}
          {stored.map((d) => (
            <tr key={d.name} data-testid={`dataset-${d.name}`}>
              <td>
                <bdi>{d.name}</bdi>
              </td>
              <td className="wrap">
                <bdi>{d.source.label}</bdi>
              </td>
              <td className="num">{count(d.rows)}</td>
              <td className="num">{megabytes(d.bytes)}</td>
              <td>{clock(d.importedAt)}</td>
              <td>
                <button type="button" disabled={busy} onClick={() => void removeDataset(d.name)}>
                  Delete<span className="sr-only"> {d.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      <fieldset disabled={busy} className="import">
        <legend>Import a benchmark</legend>
        <label>
          Dataset
          <select value={dataset} onChange={(e) => setDataset(e.target.value)}>
            {IMPORTABLE.map((id) => (
              <option key={id} value={id}>
                {id}: {DATASETS[id].title}
              </option>
            ))}
          </select>
        </label>
        <p className="hint">Files it reads: {spec.files}</p>
        {spec.hub && (
          <button type="button" onClick={() => void importDataset(dataset, { kind: 'hub' })}>
            From Hugging Face ({spec.hub.repo})
          </button>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (url.trim()) void importDataset(dataset, { kind: 'url', url: url.trim() });
          }}
        >
          <label>
            From a URL
            <input type="url" value={url} spellCheck={false} onChange={(e) => setUrl(e.target.value)} />
          </label>
          <button type="submit" disabled={!url.trim()}>
            Import from the URL
          </button>
        </form>
        <div
          className={`dataset-drop${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label>
            From files on this computer (or drop them here)
            <input
              type="file"
              multiple
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = '';
                if (files.length) void importDataset(dataset, { kind: 'files', files });
              }}
            />
          </label>
        </div>
      </fieldset>
      {mapping && <DatasetMapping key={mapping.plan.parts.map((p) => p.file).join('\n')} plan={mapping.plan} />}
      {importing && (
        <div className="progress" data-testid="import-progress">
          <label>
            <span>
              Importing {importing.dataset}
              {p ? `: ${count(p.rows)} rows, ${megabytes(p.bytes)}${p.totalBytes ? ` of ${megabytes(p.totalBytes)}` : ''}${p.secondsLeft !== null ? `, about ${duration(p.secondsLeft)} left` : ''}` : '…'}
            </span>
            <progress aria-label="Importing" max={p?.totalBytes ?? 1} value={p?.totalBytes ? p.bytes : undefined} />
          </label>
          <button type="button" onClick={cancelImport}>
            Cancel import
          </button>
        </div>
      )}
      {message && (
        <p role="status" data-testid="import-status">
          {message}
        </p>
      )}
      {problem && <ProblemNotice problem={problem} testId="import-error" />}
    </section>
  );
}
