import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../results/storage';
import { useLab } from '../store';

/** Optional WebGPU features the engine uses where they are offered; it never depends on them. */
const FEATURES = [
  { name: 'shader-f16', use: '16-bit arithmetic in shaders (QuantLab reads 16-bit values two to a word without it)' },
  { name: 'subgroups', use: 'subgroup reductions' },
  { name: 'chromium-experimental-subgroup-matrix', use: 'prefill on tensor cores, with shader-f16 (f32 kernels without it)' },
  { name: 'timestamp-query', use: 'GPU-side timing of kernels' },
];

/** What this browser's GPU offers: the adapter, its optional features, its buffer limits, and the memory the browser states. */
export function DevicePanel() {
  const { info, memory } = useLab(useShallow((s) => ({ info: s.gpu.info, memory: s.memory })));
  if (!info) return null;
  return (
    <section className="panel" aria-labelledby="device-heading" data-testid="device-panel">
      <h2 id="device-heading">1. This GPU</h2>
      <dl className="device">
        <dt>Adapter</dt>
        <dd>
          <bdi>{info.description}</bdi>
          {info.isCpu && ' (a CPU standing in for a GPU: everything runs, slowly)'}
        </dd>
        <dt>Vendor and architecture</dt>
        <dd>
          <bdi>{info.vendor || 'not given by the browser'}</bdi>, <bdi>{info.architecture || 'not given by the browser'}</bdi>
        </dd>
        {FEATURES.map((f) => (
          <div key={f.name} className="device-row">
            <dt>{f.name}</dt>
            <dd data-testid={`feature-${f.name}`}>
              {info.features.includes(f.name) ? 'yes' : 'no'}: {f.use}
            </dd>
          </div>
        ))}
        <dt>Largest storage buffer binding</dt>
        <dd>{formatBytes(info.maxStorageBufferBindingSize)}</dd>
        <dt>Largest buffer</dt>
        <dd>{formatBytes(info.maxBufferSize)}</dd>
        <dt>Workgroup memory</dt>
        <dd>{formatBytes(info.maxComputeWorkgroupStorageSize)}</dd>
        <dt>Memory this browser states</dt>
        <dd>
          {memory.deviceGb !== null ? `${memory.deviceGb} GB (navigator.deviceMemory, rounded and capped by the browser)` : 'not stated by this browser'}.
          WebGPU does not say how much GPU memory there is: a preset whose largest buffer exceeds the limits above will not run.
        </dd>
        <dt>Storage for results and datasets</dt>
        <dd>{memory.storage ? `${formatBytes(memory.storage.usage)} used of ${formatBytes(memory.storage.quota)}` : 'not stated by this browser'}</dd>
      </dl>
    </section>
  );
}
