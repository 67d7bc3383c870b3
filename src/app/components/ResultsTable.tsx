import type { ReactNode } from 'react';
import type { ResultRecord } from '../../results/record';
import { bitsPerWeight, count, duration, megabytes, perplexity, tokensPerSecond } from '../format';

/**
 * One row a result. Each perplexity cell carries the full-precision figure in
 * data-value, for whoever needs more digits than the page shows.
 */
export function ResultsTable({ records, actions }: { records: ResultRecord[]; actions?: (r: ResultRecord) => ReactNode }) {
  return (
    <div className="table-scroll">
      <table className="results" aria-label="Results">
        <thead>
          <tr>
            <th scope="col">Preset</th>
            <th scope="col" className="num">
              Bits per weight
            </th>
            <th scope="col" className="num">
              Weights
            </th>
            <th scope="col" className="num">
              KV cache
            </th>
            <th scope="col" className="num">
              Perplexity
            </th>
            <th scope="col" className="num">
              Bits per byte
            </th>
            <th scope="col" className="num">
              Tokens scored
            </th>
            <th scope="col" className="num">
              Speed
            </th>
            <th scope="col" className="num">
              Time
            </th>
            {actions && <th scope="col">Share</th>}
          </tr>
        </thead>
        <tbody>
          {records.map((r) => {
            const perplexityValue = r.metrics.perplexity;
            return (
              <tr key={r.id} data-testid={`result-${r.preset.name}`}>
                <th scope="row">{r.preset.name}</th>
                <td className="num">{bitsPerWeight(r.preset.bits_per_weight)}</td>
                <td className="num">{megabytes(r.memory.weights_bytes)}</td>
                <td className="num">{megabytes(r.memory.kv_cache_bytes)}</td>
                <td className="num" data-testid={`perplexity-${r.preset.name}`} data-value={String(perplexityValue)}>
                  {perplexityValue === undefined ? '–' : perplexity(perplexityValue)}
                </td>
                <td className="num">{r.metrics.bits_per_byte === undefined ? '–' : `${r.metrics.bits_per_byte.toFixed(4)} bits/byte`}</td>
                <td className="num">{r.metrics.tokens === undefined ? '–' : `${count(r.metrics.tokens)} tokens`}</td>
                <td className="num">{tokensPerSecond(r.timing.tokens_per_second)}</td>
                <td className="num">{duration(r.timing.upload_seconds + r.timing.score_seconds)}</td>
                {actions && <td>{actions(r)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
