import { useState } from 'react';
import { isLinkHash } from '../../results/link';
import type { Problem } from '../store';
import { ProblemNotice } from './ProblemNotice';

/**
 * Where WebGPU is missing or the adapter is refused: why, what to do, and a way to open a shared
 * link anyway (shared results need no GPU).
 */
export function NoWebGpu({ problem }: { problem: Problem }) {
  const [link, setLink] = useState('');
  const [error, setError] = useState('');
  const open = () => {
    const hash = link.includes('#') ? link.slice(link.indexOf('#')) : '';
    if (!isLinkHash(hash)) {
      setError('That is not a QuantLab results link: it should end with #results= and the packed results.');
      return;
    }
    setError('');
    location.hash = hash;
  };
  return (
    <section className="panel no-webgpu" aria-labelledby="no-webgpu-heading">
      <h2 id="no-webgpu-heading">Nothing can run in this browser</h2>
      <ProblemNotice problem={problem} testId="gpu-error" />
      <p>Results others share still open here, read-only, without a GPU: paste a link.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <label>
          Shared QuantLab link
          <input type="url" value={link} spellCheck={false} onChange={(e) => setLink(e.target.value)} aria-invalid={error !== ''} aria-describedby="open-link-help" />
        </label>
        <button type="submit" disabled={!link.trim()}>
          Open link
        </button>
        <p id="open-link-help" className={error ? 'field-error' : 'hint'}>
          {error || 'Your own past results are under History below.'}
        </p>
      </form>
    </section>
  );
}
