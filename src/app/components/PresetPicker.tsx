import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Preset } from '../../quant/preset';
import { BUILTIN_PRESETS, parsePreset, validatePresetForModel } from '../../quant/presets';
import { bitsPerWeight, count, megabytes } from '../format';
import { describePreset, presetSizes } from '../presetInfo';
import { useLab } from '../store';

/** The custom field's verdict: the preset it names, or why it names none (for this model). */
function readCustom(text: string, config: Parameters<typeof validatePresetForModel>[1] | undefined): { preset: Preset } | { error: string } {
  try {
    const preset = parsePreset(text);
    if (config) validatePresetForModel(preset, config);
    return { preset };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function PresetPicker() {
  const { selected, customPresets, config, modelName, running } = useLab(
    useShallow((s) => ({
      selected: s.selected,
      customPresets: s.customPresets,
      config: s.model.summary?.config,
      modelName: s.model.summary?.name,
      running: s.run.phase !== 'idle',
    })),
  );
  const [customText, setCustomText] = useState('');
  const offered: Preset[] = [...BUILTIN_PRESETS, ...customPresets.map(parsePreset)];
  const order = offered.map((p) => p.name);

  const toggle = (name: string, on: boolean) => {
    const next = on ? [...selected, name] : selected.filter((n) => n !== name);
    useLab.setState({ selected: order.filter((n) => next.includes(n)) });
  };

  const custom = customText.trim() ? readCustom(customText, config) : null;
  const addCustom = () => {
    if (!custom || 'error' in custom) return;
    const name = custom.preset.name;
    useLab.setState((s) => ({
      customPresets: order.includes(name) ? s.customPresets : [...s.customPresets, name],
      selected: s.selected.includes(name) ? s.selected : [...s.selected, name],
    }));
    setCustomText('');
  };

  return (
    <section className="panel" aria-labelledby="presets-heading">
      <h2 id="presets-heading">2. Quantization presets</h2>
      <p className="hint">
        Each checked preset is one run: the weights are quantized on your GPU, round-to-nearest per group, and the model is scored.
        {modelName ? ` Sizes are for ${modelName}.` : ' Sizes appear once a model is open.'}
      </p>
      <table className="presets">
        <thead>
          <tr>
            <th scope="col">Run</th>
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
          </tr>
        </thead>
        <tbody>
          {offered.map((p) => {
            const sizes = presetSizes(p, config);
            const id = `preset-${p.name}`;
            return (
              <tr key={p.name}>
                <td>
                  <input
                    id={id}
                    type="checkbox"
                    checked={selected.includes(p.name)}
                    disabled={running}
                    onChange={(e) => toggle(p.name, e.target.checked)}
                  />
                </td>
                <td>
                  <label htmlFor={id}>{p.name}</label>
                </td>
                <td>{describePreset(p)}</td>
                <td className="num">{bitsPerWeight(sizes.bitsPerWeight)}</td>
                <td className="num">{sizes.model ? megabytes(sizes.model.weightBytes) : '…'}</td>
                <td className="num">{sizes.model ? `${count(sizes.model.kvBytesPerToken)} bytes` : '…'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
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

function customSummary(p: Preset, config: Parameters<typeof presetSizes>[1]): string {
  const sizes = presetSizes(p, config);
  const model = sizes.model
    ? `, weights ${megabytes(sizes.model.weightBytes)}, KV cache ${count(sizes.model.kvBytesPerToken)} bytes per token`
    : '';
  return `${p.name}: ${describePreset(p)}; ${bitsPerWeight(sizes.bitsPerWeight)} per weight${model}.`;
}
