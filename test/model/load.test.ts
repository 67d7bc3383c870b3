import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFiles, type ModelFile } from '../../src/model/files';
import { describeModel, loadModel, ModelError, type LoadProgress } from '../../src/model/load';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { urlModelFiles } from '../../src/model/remote';
import { llamaConfigJson, localServer, memFile, memFiles, safetensors, sendBytes, syntheticModel } from './synthetic';

describe('loadModel', () => {
  it('loads config, tokenizer and weights, reporting each stage', async () => {
    const m = syntheticModel(llamaConfigJson({ model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], tie_word_embeddings: true }), {
      dtype: 'BF16',
      shards: 2,
    });
    const stages: LoadProgress['stage'][] = [];
    const model = await loadModel(memFiles(m.files, 'tiny-qwen'), (p) => stages.push(p.stage));
    expect(stages).toEqual(['config', 'tokenizer', 'weights']);
    expect(model.name).toBe('tiny-qwen');
    expect(model.config).toMatchObject({ modelType: 'qwen2', attentionBias: true, tieWordEmbeddings: true, numLayers: 2 });
    expect(model.tokenizer.encode('hello world')).toEqual([1, 15, 17, 9, 6, 10]);
    expect(model.weights.info('model.layers.0.self_attn.k_proj.bias')).toEqual({ dtype: 'BF16', shape: [8] });
    expect(model.files.list()).toContain('model-00002-of-00002.safetensors');
  });

  it('says which file is missing or wrong', async () => {
    const m = syntheticModel();
    const without = (name: string) => {
      const files = new Map(m.files);
      files.delete(name);
      return memFiles(files);
    };
    await expect(loadModel(without('config.json'))).rejects.toThrow(
      'no config.json found among the files: model.safetensors, tokenizer.json, tokenizer_config.json',
    );
    await expect(loadModel(without('tokenizer.json'))).rejects.toThrow(/^no tokenizer\.json found among the files: /);
    await expect(loadModel(without('model.safetensors'))).rejects.toThrow(/^no model\.safetensors or model\.safetensors\.index\.json found/);
    await expect(loadModel(new ModelFiles('empty', []))).rejects.toThrow('no config.json found among the files: (none)');

    const small = new Map(m.files).set('config.json', JSON.stringify(llamaConfigJson({ vocab_size: 10 })));
    await expect(loadModel(memFiles(small))).rejects.toThrow(
      "tokenizer.json has ids up to 17 but config.json's vocab_size is 10: the tokenizer is not this model's",
    );
    const gpt2 = new Map(m.files).set('config.json', JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
    await expect(loadModel(memFiles(gpt2))).rejects.toThrow('this config is gpt2 (GPT2LMHeadModel)');
    const cut = m.files.get('model.safetensors') as Uint8Array;
    const truncated = new Map(m.files).set('model.safetensors', cut.slice(0, cut.length - 1));
    await expect(loadModel(memFiles(truncated))).rejects.toThrow(
      `model.safetensors is truncated: tensor lm_head.weight ends at byte ${cut.length} but the file has ${cut.length - 1} bytes`,
    );
    const wrong = new Map(m.files).set('model.safetensors', safetensors([{ name: 'model.embed_tokens.weight', dtype: 'F16', shape: [32, 8] }]));
    await expect(loadModel(memFiles(wrong))).rejects.toThrow(
      'model.embed_tokens.weight has shape [32, 8] but config.json implies [32, 16]',
    );
  });

  it('turns any other failure into a ModelError', async () => {
    const m = syntheticModel();
    const failing: ModelFile = {
      ...memFile('model.safetensors', new Uint8Array(64)),
      slice: () => Promise.reject(new TypeError('disk on fire')),
    };
    const good = memFiles(m.files);
    const others = good.list().filter((n) => n !== 'model.safetensors');
    const files = new ModelFiles('broken', [...others.map((n) => good.require(n)), failing]);
    const error = await loadModel(files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toBe('loading broken failed: disk on fire');
  });
});

// The default model, once train/ has exported it (see test/model/tokenizer.test.ts).
const modelDir = join(__dirname, '../../public/models/quantlab-tiny');
const haveDefault = existsSync(join(modelDir, 'config.json'));

describe.skipIf(!haveDefault)('the default model quantlab-tiny', () => {
  it('loads from its folder, weights checked against its config', async () => {
    const model = await loadModel(await nodeModelFiles(modelDir));
    expect(model.config.modelType).toBe('llama');
    expect(model.config.tieWordEmbeddings).toBe(true);
    expect(model.tokenizer.addsBos).toBe(false);
    const summaryPath = join(__dirname, '../../train/train_summary.json');
    if (existsSync(summaryPath)) {
      // train.py counts torch parameters, the tied embedding once, as describeModel does.
      const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { parameters: number };
      expect(describeModel(model.config).parameters).toBe(summary.parameters);
    }
    const embedding = await model.weights.readF32('model.embed_tokens.weight');
    expect(embedding.length).toBe(model.config.vocabSize * model.config.hiddenSize);
    expect(embedding.every(Number.isFinite)).toBe(true);
  });

  it('loads over HTTP as the app serves it, reading only headers and the tensors asked for', async () => {
    const server = await localServer((req, res) => {
      const path = join(modelDir, decodeURIComponent(req.url!.replace(/^\/models\/quantlab-tiny\//, '')));
      if (!existsSync(path)) {
        res.writeHead(404);
        res.end();
      } else sendBytes(req, res, readFileSync(path), true);
    });
    try {
      const fromDisk = await loadModel(await nodeModelFiles(modelDir));
      const model = await loadModel(await urlModelFiles(`${server.url}/models/quantlab-tiny/`));
      expect(model.config).toEqual(fromDisk.config);
      const name = 'model.layers.7.mlp.down_proj.weight';
      const [overHttp, onDisk] = [await model.weights.readF16(name), await fromDisk.weights.readF16(name)];
      expect(overHttp.length).toBe(512 * 1408);
      // Buffer.equals: vitest's deep equality walks typed arrays element by element, slowly.
      expect(Buffer.from(overHttp.buffer).equals(Buffer.from(onDisk.buffer))).toBe(true);
      expect(server.requests.every((r) => !r.includes('heldout'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
