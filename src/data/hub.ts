/**
 * Benchmarks from the Hugging Face Hub: the Hub converts every public dataset to Parquet
 * (branch refs/convert/parquet) and lists a split's files at
 * `/api/datasets/{repo}/parquet/{config}/{split}`; each is then read over HTTP Range requests.
 */
import { DataError } from './errors';
import { httpDataFile } from './http';
import type { DataFile } from './files';

export const HUB_URL = 'https://huggingface.co';

export interface HubDatasetOptions {
  hubUrl?: string;
  /** An access token (hf_…) for gated or private datasets. */
  token?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

function advice(repo: string, hubUrl: string, hasToken: boolean) {
  return (status: number, res: Response): string | null => {
    const page = `${hubUrl.replace(/\/$/, '')}/datasets/${repo}`;
    const code = res.headers.get('x-error-code');
    if (code === 'GatedRepo') return `${repo} is gated (HTTP ${status}): accept its conditions at ${page}, then ${hasToken ? 'retry' : 'give an access token (hf_…)'}`;
    if (status === 401 || status === 403) {
      return `the Hub refused ${repo} (HTTP ${status}): it is gated or private${hasToken ? ' and the token given has no access to it' : ', or does not exist; an access token (hf_…) may be needed'}`;
    }
    if (status === 404) return `the Hub has no Parquet files for ${repo} at this config and split (HTTP 404): check the name at ${page}`;
    return null;
  };
}

/** The Parquet files of one split, in order, opened for Range reads. */
export async function hubParquetFiles(repo: string, config: string, split: string, options: HubDatasetOptions = {}): Promise<DataFile[]> {
  const hubUrl = options.hubUrl ?? HUB_URL;
  const headers: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  const http = {
    fetch: options.fetch,
    headers,
    describe: advice(repo, hubUrl, Boolean(options.token)),
  };
  const api = new URL(`api/datasets/${repo.split('/').map(encodeURIComponent).join('/')}/parquet/${encodeURIComponent(config)}/${encodeURIComponent(split)}`, hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`).href;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(api, { headers: http.headers, signal: options.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new DataError(`could not reach the Hub at ${hubUrl}: ${(e as Error).message}`, { file: api }, { cause: e });
  }
  if (!res.ok) throw new DataError(http.describe(res.status, res) ?? `the Hub answered HTTP ${res.status} for ${api}`, { file: api });
  const urls: unknown = await res.json().catch(() => null);
  if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string')) throw new DataError(`the Hub's answer for ${api} is not a list of Parquet URLs`, { file: api });
  if (urls.length === 0) throw new DataError(`the Hub lists no Parquet files for ${repo} ${config}/${split}`, { file: api });
  return Promise.all(urls.map((u, i) => httpDataFile(u, http, `${repo} ${config}/${split}/${i}.parquet`, options.signal)));
}
