import { useEffect, useMemo, useState } from 'react';
import { DamagedLinkError, decodeLink, type SharedResults } from '../../results/link';
import type { SweepSpec } from '../../results/sweep';
import { clock, counted, megabytes, parameters } from '../format';
import { addOverlay, prepareRerun } from '../resultsActions';
import { resultsModel } from '../results/view';
import { ResultsView } from './ResultsView';
import { Untrusted } from './Untrusted';

type Decoded = { status: 'reading' } | { status: 'ok'; shared: SharedResults } | { status: 'damaged'; reason: string };

/**
 * Results opened from a share link: the same table and charts, read-only; nothing runs and
 * nothing is stored. From here the person can run the same sweep on their own GPU, or lay these
 * results over their own.
 */
export function SharedView({ payload, onLeave }: { payload: string; onLeave: () => void }) {
  const [decoded, setDecoded] = useState<Decoded>({ status: 'reading' });
  useEffect(() => {
    let live = true;
    setDecoded({ status: 'reading' });
    decodeLink(payload).then(
      (shared) => live && setDecoded({ status: 'ok', shared }),
      (e: unknown) =>
        live && setDecoded({ status: 'damaged', reason: e instanceof DamagedLinkError ? e.message : `it could not be read (${String(e)})` }),
    );
    return () => {
      live = false;
    };
  }, [payload]);

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
      {decoded.status === 'ok' && <SharedRecords shared={decoded.shared} onLeave={onLeave} />}
      <div className="actions">
        <button type="button" onClick={onLeave}>
          Open the lab to run your own
        </button>
      </div>
    </section>
  );
}

function SharedRecords({ shared, onLeave }: { shared: SharedResults; onLeave: () => void }) {
  const model = useMemo(() => resultsModel([{ id: 'link', label: '', records: shared.records, bySweep: false }]), [shared]);
  const rerun = (spec: SweepSpec) => {
    prepareRerun(spec);
    onLeave();
  };
  const overlay = () => {
    addOverlay('a shared link', shared.records);
    onLeave();
  };
  return (
    <>
      <p className="hint">
        Someone measured this with QuantLab and shared it. It is shown exactly as recorded: nothing runs on this page, and it is not added to
        your history.
      </p>
      <div className="actions">
        {shared.sweeps.map((spec) => (
          <button key={spec.sweep} type="button" onClick={() => rerun(spec)}>
            Run this sweep again on this GPU
            {shared.sweeps.length > 1 && (
              <>
                {' '}
                (<Untrusted text={spec.model.name} />, {counted(spec.presets.length, 'preset')})
              </>
            )}
          </button>
        ))}
        <button type="button" onClick={overlay}>
          Lay these results over yours
        </button>
      </div>
      <ResultsView model={model} caption="Shared results: one row a preset; click a column title to sort." />
      {shared.sweeps.map((spec) => (
        <SweepDetails key={spec.sweep} spec={spec} shared={shared} />
      ))}
    </>
  );
}

function SweepDetails({ spec, shared }: { spec: SweepSpec; shared: SharedResults }) {
  const first = shared.records.find((r) => r.sweep === spec.sweep)!;
  return (
    <dl className="details">
      <dt>Model</dt>
      <dd>
        <Untrusted text={spec.model.name} /> ({parameters(spec.model.parameters)} parameters)
      </dd>
      <dt>Presets</dt>
      <dd>
        <Untrusted text={spec.presets.join(', ')} />
      </dd>
      <dt>Tasks</dt>
      <dd>
        {spec.tasks.map((t, i) => (
          <span key={i}>
            {i > 0 && '; '}
            <Untrusted text={t.name} /> on <Untrusted text={t.dataset.name} />
            {t.limit !== null && ` (${counted(t.limit, 'item')} at most)`}
          </span>
        ))}
      </dd>
      <dt>GPU memory</dt>
      <dd>
        weights {megabytes(first.memory.weights_bytes)}, KV cache {megabytes(first.memory.kv_cache_bytes)}, scratch {megabytes(first.memory.scratch_bytes)} (
        <Untrusted text={first.preset.name} />)
      </dd>
      <dt>GPU</dt>
      <dd>
        <Untrusted text={first.device.description} />
      </dd>
      <dt>Measured</dt>
      <dd>
        {clock(spec.startedAt)}
        {spec.finishedAt !== spec.startedAt && <> to {clock(spec.finishedAt)}</>}
      </dd>
    </dl>
  );
}
