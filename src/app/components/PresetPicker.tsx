import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ModelConfig } from '../../model/config';
import type { Preset } from '../../quant/preset';
import { parsePreset, validatePresetForModel } from '../../quant/presets';
import { bitsPerWeight, count, megabytes } from '../format';
import { describePreset, presetFit, presetSizes } from '../presetInfo';
import { useLab } from '../store';

/** The grid's axes: weight formats (rows), KV cache formats (columns), one grid per activation width. */
const WEIGHTS = [
  { part: '', label: '16-bit' },
  { part: 'w8g128', label: '8-bit, groups of 128' },
  { part: 'w4g128', label: '4-bit, groups of 128' },
  { part: 'w3g128', label: '3-bit, groups of 128' },
  { part: 'w2g128', label: '2-bit, groups of 128' },
  { part: 'w4g32sym', label: '4-bit, groups of 32, symmetric (Q4_0)' },
  { part: 'w8g32sym', label: '8-bit, groups of 32, symmetric (Q8_0)' },
] as const;
const ACTIVATIONS = [
  { part: '', label: '16-bit activations' },
  { part: 'a8', label: '8-bit activations (per token)' },
  { part: 'a4', label: '4-bit activations (per token)' },
] as const;
const KV = [
  { part: '', label: '16-bit' },
  { part: 'kv8', label: '8-bit' },
  { part: 'kv4', label: '4-bit' },
  { part: 'kv3', label: '3-bit' },
  { part: 'kv2', label: '2-bit' },
] as const;

/** The preset of a grid cell, or null where the combination is not one (activations quantized over 16-bit weights). */
function cellPreset(...parts: string[]): Preset | null {
  try {
    return parsePreset(parts.filter(Boolean).join('+') || 'fp16');
  } catch {
    return null;
  }
}

/** Every preset the grids offer, so a custom one that names one of them ticks it rather than adding a copy. */
const GRID_NAMES = new Set(
  ACTIVATIONS.flatMap((a) => WEIGHTS.flatMap((w) => KV.map((k) => cellPreset(w.part, a.part, k.part)?.name ?? ''))).filter(Boolean),
);

/** The custom field's verdict: the preset it names, or why it names none (for this model). */
function readCustom(text: string, config: ModelConfig | undefined): { preset: Preset } | { error: string } {
  try {
    const preset = parsePreset(text);
    if (config) validatePresetForModel(preset, config);
    return { preset };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function toggle(name: string, on: boolean): void {
  useLab.setState((s) => ({ selected: on ? [...s.selected.filter((n) => n !== name), name] : s.selected.filter((n) => n !== name) }));
}

export function PresetPicker() {
  const { selected, customPresets, config, modelName, running, gpu, deviceGb, nCtx } = useLab(
    useShallow((s) => ({
      selected: s.selected,
      customPresets: s.customPresets,
      config: s.model.summary?.config,
      modelName: s.model.summary?.name,
      running: s.run.phase !== 'idle',
      gpu: s.gpu.info,
      deviceGb: s.memory.deviceGb,
      nCtx: Number(s.nCtx) || 0,
    })),
  );
  const [customText, setCustomText] = useState('');
  const custom = customText.trim() ? readCustom(customText, config) : null;
  const fitOf = (p: Preset) => (config ? presetFit(p, config, nCtx, gpu, deviceGb) : null);

  const addCustom = () => {
    if (!custom || 'error' in custom) return;
    const name = custom.preset.name;
    useLab.setState((s) => ({
      customPresets: s.customPresets.includes(name) || GRID_NAMES.has(name) ? s.customPresets : [...s.customPresets, name],
      selected: s.selected.includes(name) ? s.selected : [...s.selected, name],
    }));
    setCustomText('');
  };

  const box = (p: Preset) => {
    const fit = fitOf(p);
    const sizes = presetSizes(p, config);
    return (
      <label className={`preset-cell${fit && fit.verdict !== 'fits' ? ` ${fit.verdict}` : ''}`} title={describePreset(p)}>
        <input type="checkbox" aria-label={p.name} checked={selected.includes(p.name)} disabled={running} onChange={(e) => toggle(p.name, e.target.checked)} />
        <span className="preset-name">{p.name}</span>
        <span className="preset-size">
          {bitsPerWeight(sizes.bitsPerWeight)}
          {fit ? `, ${megabytes(fit.bytes)}` : ''}
          {fit?.verdict === 'will-not-fit' ? ', will not fit' : fit?.verdict === 'may-not-fit' ? ', may not fit' : ''}
        </span>
      </label>
    );
  };

  const picked = selected.map((n) => parsePreset(n));
  return (
    <section className="panel" aria-labelledby="presets-heading">
      <h2 id="presets-heading">3. Quantization presets</h2>
      <p className="hint">
        Tick the presets to run: weights (rows) x KV cache (columns), one grid for each activation width. The weights are quantized on your
        GPU, round-to-nearest per group. Each box shows the effective bits per weight and
        {modelName ? ` the memory for ${modelName} with a window of ${count(nCtx)} tokens.` : ' the memory once a model is open.'}
      </p>
      <div className="preset-grid">
        {ACTIVATIONS.map((a) => (
          <table className="preset-grid-table" key={a.part}>
            <caption>{a.label}</caption>
            <thead>
              <tr>
                <th scope="col">Weights \ KV cache</th>
                {KV.map((k) => (
                  <th scope="col" key={k.part}>
                    {k.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {WEIGHTS.map((w) => (
                <tr key={w.part}>
                  <th scope="row">{w.label}</th>
                  {KV.map((k) => {
                    const p = cellPreset(w.part, a.part, k.part);
                    return <td key={k.part}>{p ? box(p) : <span className="hint">n/a</span>}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
        {customPresets.length > 0 && (
          <fieldset className="custom-presets">
            <legend>Your presets</legend>
            {customPresets.map((n) => (
              <span key={n}>{box(parsePreset(n))}</span>
            ))}
          </fieldset>
        )}
      </div>
      <div className="scroll-x">
      <table className="presets">
        <caption>Checked presets</caption>
        <thead>
          <tr>
            <th scope="col">Preset</th>
            <th scope="col">What it does</th>
            <th scope="col" className="num">
              Effective bits per weight
            </th>
            <th scope="col" className="num">
              Weights
            </th>
            <th scope="col" className="num">
              KV cache per token
            </th>
            <th scope="col" className="num">
              Memory, one window
            </th>
            <th scope="col">Fits this GPU</th>
          </tr>
        </thead>
        <tbody>
          {picked.map((p) => {
            const sizes = presetSizes(p, config);
            const fit = fitOf(p);
            return (
              <tr key={p.name} data-testid={`preset-row-${p.name}`} className={fit?.verdict === 'will-not-fit' ? 'will-not-fit' : undefined}>
                <td>
                  <bdi>{p.name}</bdi>
                </td>
                <td>{describePreset(p)}</td>
                <td className="num">{bitsPerWeight(sizes.bitsPerWeight)}</td>
                <td className="num">{sizes.model ? megabytes(sizes.model.weightBytes) : '…'}</td>
                <td className="num">{sizes.model ? `${count(sizes.model.kvBytesPerToken)} bytes` : '…'}</td>
                <td className="num">{fit ? megabytes(fit.bytes) : '…'}</td>
                <td>{fit ? (fit.verdict === 'fits' ? 'yes' : `${fit.verdict === 'will-not-fit' ? 'no' : 'maybe'}: ${fit.reason}`) : '…'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      <form
        className="custom"
        onSubmit={(e) => {
          e.preventDefault();
          addCustom();
        }}
      >
        <label htmlFor="custom-preset">Custom preset</label>
        <input
          id="custom-preset"
          type="text"
          value={customText}
          placeholder="e.g. w4g64+kv8 or w3pc"
          spellCheck={false}
          disabled={running}
          aria-invalid={custom !== null && 'error' in custom}
          aria-describedby="custom-preset-help"
          onChange={(e) => setCustomText(e.target.value)}
        />
        <button type="submit" disabled={running || !custom || 'error' in custom}>
          Add preset
        </button>
        <p id="custom-preset-help" className={custom && 'error' in custom ? 'field-error' : 'hint'} data-testid="custom-preset-help">
          {custom === null
            ? 'Parts joined by "+": w<bits>g<group> (weights), sym, pc (a group per row), a<bits> (activations), kv<bits> (KV cache), head.'
            : 'error' in custom
              ? custom.error
              : customSummary(custom.preset, config)}
        </p>
      </form>
    </section>
  );
}

function customSummary(p: Preset, config: ModelConfig | undefined): string {
  const sizes = presetSizes(p, config);
  const model = sizes.model
    ? `, weights ${megabytes(sizes.model.weightBytes)}, KV cache ${count(sizes.model.kvBytesPerToken)} bytes per token`
    : '';
  return `${p.name}: ${describePreset(p)}; ${bitsPerWeight(sizes.bitsPerWeight)} per weight${model}.`;
}
