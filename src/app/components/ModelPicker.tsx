import { useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { chooseBuiltin, openModel } from '../actions';
import type { LocalFile } from '../engineApi';
import { megabytes, count, parameters } from '../format';
import { fromDrop, fromFileList } from '../localFiles';
import { BUILT_IN_MODELS } from '../../model/builtin';
import { RECOMMENDED_HUB_MODELS } from '../models';
import { useLab, type SourceKind } from '../store';
import { ProblemNotice } from './ProblemNotice';

export function ModelPicker() {
  const { sourceKind, builtinId, hubId, hubToken, busy, gpuReady } = useLab(
    useShallow((s) => ({
      sourceKind: s.sourceKind,
      builtinId: s.builtinId,
      hubId: s.hubId,
      hubToken: s.hubToken,
      busy: s.run.phase !== 'idle' || s.model.status === 'opening',
      gpuReady: s.gpu.status === 'ready',
    })),
  );
  const [dragging, setDragging] = useState(false);
  const disabled = busy || !gpuReady;

  const choose = (kind: SourceKind) => {
    useLab.setState({ sourceKind: kind });
  };
  const openHub = (id: string) => {
    useLab.setState({ hubId: id });
    void openModel({ kind: 'hub', id, token: hubToken || undefined });
  };
  const openLocal = (files: LocalFile[]) => {
    if (files.length > 0) void openModel({ kind: 'local', files });
  };
  const onPick = (input: HTMLInputElement) => {
    openLocal(fromFileList(input.files));
    // Cleared, so that picking the same files again (after fixing them) opens them again.
    input.value = '';
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!disabled) openLocal(await fromDrop(e.dataTransfer));
  };

  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">2. Model</h2>
      <fieldset disabled={disabled}>
        <legend>Where the model comes from</legend>
        {BUILT_IN_MODELS.map((m) => (
          <label className="choice" key={m.id}>
            <input type="radio" name="source" checked={sourceKind === 'builtin' && builtinId === m.id} onChange={() => chooseBuiltin(m.id)} />
            <span>
              Built-in: <strong>{m.id}</strong>, {m.description}, {parameters(m.parameters)} parameters (loads from this site)
            </span>
          </label>
        ))}
        <label className="choice">
          <input type="radio" name="source" checked={sourceKind === 'hub'} onChange={() => choose('hub')} />
          A Llama-family model from Hugging Face (Llama, Qwen2, Mistral, SmolLM, TinyLlama; safetensors weights)
        </label>
        {sourceKind === 'hub' && (
          <form
            className="indent"
            onSubmit={(e) => {
              e.preventDefault();
              if (hubId.trim()) void openModel({ kind: 'hub', id: hubId.trim(), token: hubToken || undefined });
            }}
          >
            <label>
              Repository id or URL
              <input
                type="text"
                value={hubId}
                placeholder="HuggingFaceTB/SmolLM2-135M"
                spellCheck={false}
                onChange={(e) => useLab.setState({ hubId: e.target.value })}
              />
            </label>
            <label>
              Access token, only for gated or private models (kept in this tab, never stored)
              <input type="password" value={hubToken} autoComplete="off" onChange={(e) => useLab.setState({ hubToken: e.target.value })} />
            </label>
            <button type="submit" disabled={!hubId.trim()}>
              Load from Hugging Face
            </button>
            <div className="scroll-x">
            <table className="recommended">
              <caption>Small models known to work (16-bit download sizes)</caption>
              <thead>
                <tr>
                  <th scope="col">Repository</th>
                  <th scope="col" className="num">
                    Parameters
                  </th>
                  <th scope="col" className="num">
                    Download
                  </th>
                  <th scope="col">
                    <span className="sr-only">Open</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {RECOMMENDED_HUB_MODELS.map((m) => (
                  <tr key={m.repo}>
                    <td>
                      <code>{m.repo}</code>
                      {m.gated && ' (gated: needs a token and the licence accepted on its page)'}
                    </td>
                    <td className="num">about {parameters(m.parameters)}</td>
                    <td className="num">about {megabytes(m.downloadBytes)}</td>
                    <td>
                      <button type="button" onClick={() => openHub(m.repo)}>
                        Open<span className="sr-only"> {m.repo}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
            <p className="hint">Downloaded files are kept in the browser's cache, so the next visit does not download them again.</p>
          </form>
        )}
        <label className="choice">
          <input type="radio" name="source" checked={sourceKind === 'local'} onChange={() => choose('local')} />
          Files on this computer
        </label>
        {sourceKind === 'local' && (
          <div
            className={`indent dropzone${dragging ? ' dragging' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => void onDrop(e)}
          >
            <p>
              Choose or drop the model's folder, or its files: <code>config.json</code>, <code>tokenizer.json</code> and the{' '}
              <code>.safetensors</code> weights (with <code>model.safetensors.index.json</code> when sharded). Nothing is uploaded anywhere.
            </p>
            <label>
              Model files
              <input type="file" multiple onChange={(e) => onPick(e.target)} />
            </label>
            <label>
              Model folder
              <input
                type="file"
                ref={(el) => {
                  if (el) el.webkitdirectory = true;
                }}
                onChange={(e) => onPick(e.target)}
              />
            </label>
          </div>
        )}
      </fieldset>
      <ModelStatus />
    </section>
  );
}

function ModelStatus() {
  const model = useLab((s) => s.model);
  if (model.status === 'opening') {
    const e = model.event;
    if (e?.kind === 'download' && e.total) {
      return (
        <div className="model-status" data-testid="model-status">
          <label>
            Downloading {e.file}: {megabytes(e.loaded)} of {megabytes(e.total)}
            <progress aria-label="Downloading the model" max={e.total} value={e.loaded} />
          </label>
        </div>
      );
    }
    const step = e?.kind === 'step' ? e.message : e?.kind === 'download' ? `downloading ${e.file}` : 'starting';
    return (
      <p className="model-status" data-testid="model-status">
        Opening {model.label}: {step}…
      </p>
    );
  }
  if (model.status === 'error' && model.problem) {
    return <ProblemNotice problem={model.problem} testId="model-error" />;
  }
  if (model.status === 'ready' && model.summary) {
    const s = model.summary;
    return (
      <p className="model-status" data-testid="model-status">
        <strong>{s.name}</strong> is ready: {s.description}. Text to score: {s.text.dataset},{' '}
        {megabytes(s.text.bytes)}, {count(s.text.tokens)} tokens.
      </p>
    );
  }
  return null;
}
