import { useEffect, useState } from 'react';
import { DamagedLinkError, decodeLink } from '../../results/link';
import type { ResultRecord } from '../../results/record';
import { clock, count, counted, megabytes, parameters } from '../format';
import { ResultsTable } from './ResultsTable';

type Decoded = { status: 'reading' } | { status: 'ok'; records: ResultRecord[] } | { status: 'damaged'; reason: string };

/** A result opened from a permalink: shown as it was measured, read-only; nothing is run. */
export function SharedView({ payload, onLeave }: { payload: string; onLeave: () => void }) {
  const [decoded, setDecoded] = useState<Decoded>({ status: 'reading' });
  useEffect(() => {
    let live = true;
    setDecoded({ status: 'reading' });
    decodeLink(payload).then(
      ({ records }) => live && setDecoded({ status: 'ok', records }),
      (e: unknown) =>
        live && setDecoded({ status: 'damaged', reason: e instanceof DamagedLinkError ? e.message : `it could not be read (${String(e)})` }),
    );
    return () => {
      live = false;
    };
  }, [payload]);

  const leave = (
    <button type="button" onClick={onLeave}>
      Open the lab to run your own
    </button>
  );
  return (
    <section className="panel shared" aria-labelledby="shared-heading">
      <h2 id="shared-heading">
        Shared result <span className="badge">shared link, read-only</span>
      </h2>
      {decoded.status === 'reading' && <p className="hint">Reading the link…</p>}
      {decoded.status === 'damaged' && (
        <div className="problem" role="alert" data-testid="damaged-link">
          <p className="problem-title">This link is damaged: {decoded.reason}.</p>
          <p className="problem-advice">Ask whoever sent it for the link again, copied whole. Nothing was run.</p>
        </div>
      )}
      {decoded.status === 'ok' && <SharedRecords records={decoded.records} />}
      <div className="actions">{leave}</div>
    </section>
  );
}

function SharedRecords({ records }: { records: ResultRecord[] }) {
  const r = records[0];
  return (
    <>
      <p className="hint">
        Someone measured this with QuantLab and shared it. It is shown exactly as recorded: nothing runs on this page, and it is not added
        to your history.
      </p>
      <ResultsTable records={records} />
      <dl className="details">
        <dt>Model</dt>
        <dd>
          {r.model.name} ({parameters(r.model.parameters)} parameters)
        </dd>
        <dt>Text</dt>
        <dd>
          {r.task.dataset.name}: {counted(r.task.settings.windows ?? 0, 'window')} of {count(r.task.settings.n_ctx ?? 0)} tokens
        </dd>
        <dt>GPU memory</dt>
        <dd>
          weights {megabytes(r.memory.weights_bytes)}, KV cache {megabytes(r.memory.kv_cache_bytes)}, scratch{' '}
          {megabytes(r.memory.scratch_bytes)}
        </dd>
        <dt>GPU</dt>
        <dd>{r.device.description}</dd>
        <dt>Measured</dt>
        <dd>{clock(r.createdAt)}</dd>
      </dl>
    </>
  );
}
