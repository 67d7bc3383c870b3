import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isLinkHash } from '../results/link';
import { start } from './actions';
import { DatasetPanel } from './components/DatasetPanel';
import { DevicePanel } from './components/DevicePanel';
import { ErrorBoundary } from './components/ErrorBoundary';
import { HistoryPanel } from './components/HistoryPanel';
import { ModelPicker } from './components/ModelPicker';
import { NoWebGpu } from './components/NoWebGpu';
import { PresetPicker } from './components/PresetPicker';
import { ResultsPanel } from './components/ResultsPanel';
import { SharedView } from './components/SharedView';
import { TaskPanel } from './components/TaskPanel';
import { UnfinishedPanel } from './components/UnfinishedPanel';
import { useLab } from './store';

/** The lab starts its worker once per page, however often React mounts it. */
let started = false;

function useHashPayload(): [string | null, () => void] {
  const linked = () => (isLinkHash(location.hash) ? location.hash : null);
  const [payload, setPayload] = useState(linked);
  useEffect(() => {
    const onHash = () => setPayload(linked());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const leave = () => {
    history.pushState(null, '', location.pathname + location.search);
    setPayload(null);
  };
  return [payload, leave];
}

export function App() {
  const [payload, leave] = useHashPayload();
  return (
    <>
      <header className="top">
        <h1>QuantLab</h1>
        <p>What quantization does to a language model, measured on your own GPU, in this tab.</p>
        {payload === null && <GpuLine />}
      </header>
      <main>
        {payload !== null ? (
          <ErrorBoundary where="shared result">
            <SharedView payload={payload} onLeave={leave} />
          </ErrorBoundary>
        ) : (
          <Lab />
        )}
      </main>
    </>
  );
}

function GpuLine() {
  const gpu = useLab((s) => s.gpu);
  const text = gpu.status === 'ready' ? `GPU: ${gpu.description}` : gpu.status === 'connecting' ? 'GPU: connecting…' : 'GPU: not available';
  return <p className="gpu-line">{text}</p>;
}

function Lab() {
  const { gpuProblem, notice } = useLab(useShallow((s) => ({ gpuProblem: s.gpu.problem, notice: s.notice })));
  useEffect(() => {
    if (started) return;
    started = true;
    void start();
  }, []);
  return (
    <>
      {gpuProblem && <NoWebGpu problem={gpuProblem} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorBoundary where="device">
        <DevicePanel />
      </ErrorBoundary>
      <ErrorBoundary where="model picker">
        <ModelPicker />
      </ErrorBoundary>
      <ErrorBoundary where="preset list">
        <PresetPicker />
      </ErrorBoundary>
      <ErrorBoundary where="datasets">
        <DatasetPanel />
      </ErrorBoundary>
      <ErrorBoundary where="task and progress">
        <TaskPanel />
      </ErrorBoundary>
      <ErrorBoundary where="unfinished runs">
        <UnfinishedPanel />
      </ErrorBoundary>
      <ErrorBoundary where="results">
        <ResultsPanel />
      </ErrorBoundary>
      <ErrorBoundary where="history">
        <HistoryPanel />
      </ErrorBoundary>
    </>
  );
}
