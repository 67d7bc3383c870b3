/**
 * --chat-template: prompts rendered through a model's own chat_template (a real-world ChatML
 * template and one that refuses a system message, in a synthetic tokenizer_config.json), as
 * lm-eval's --apply_chat_template builds them: description as the system message, few-shot
 * examples and question collapsed into one user message, the generation prompt added, and no
 * target delimiter before the choice.
 */
import { describe, expect, it } from 'vitest';
import { chatTemplateFromConfig } from '../../src/eval/chatTemplate';
import { mmlu, winogrande } from '../../src/eval/tasks/multipleChoice';
import { mmluRows, winograndeRows } from './rows';

/** Qwen1.5's tokenizer_config.json chat_template (ChatML with a default system message). */
const CHATML =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Gemma's: no system role, a BOS in the text. */
const GEMMA =
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}" +
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}" +
  "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}";

describe('prompts through a chat template', () => {
  const chatml = chatTemplateFromConfig({ chat_template: CHATML, eos_token: '<|im_end|>' })!;

  it('mmlu 1-shot: the description is the system message, example and question one user message, no delimiter before the letter', () => {
    const dev = mmluRows('anatomy', 'dev', 1);
    const [row] = mmluRows('anatomy', 'test', 1);
    const item = mmlu.item(row, { shots: 1, chat: chatml }, dev);
    const q = (r: typeof row) => `${r.question.trim()}\nA. ${r.choices[0]}\nB. ${r.choices[1]}\nC. ${r.choices[2]}\nD. ${r.choices[3]}\nAnswer:`;
    expect(item.requests[0].context).toBe(
      '<|im_start|>system\nThe following are multiple choice questions (with answers) about anatomy.\n\n<|im_end|>\n' +
        `<|im_start|>user\n${q(dev[0])} D\n\n${q(row)}<|im_end|>\n<|im_start|>assistant\n`,
    );
    expect(item.requests.map((r) => r.continuation)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('winogrande: each option context is its own user message, the continuation without its space', () => {
    const [row] = winograndeRows(1);
    const item = winogrande.item(row, { shots: 0, chat: chatml }, []);
    expect(item.requests[1]).toEqual({
      context: '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nSarah was a much better surgeon than Maria so Maria<|im_end|>\n<|im_start|>assistant\n',
      continuation: 'always got the easier cases.',
    });
  });

  it('a template that refuses a system message is rendered again without it (as HFLM.apply_chat_template)', () => {
    const gemma = chatTemplateFromConfig({ chat_template: GEMMA, bos_token: '<bos>' })!;
    const [row] = mmluRows('anatomy', 'test', 1);
    const item = mmlu.item(row, { shots: 0, chat: gemma }, []);
    expect(item.requests[0].context.startsWith(`<bos><start_of_turn>user\n${row.question.trim().slice(0, 30)}`)).toBe(true);
    expect(item.requests[0].context.endsWith('Answer:<end_of_turn>\n<start_of_turn>model\n')).toBe(true);
  });

  it('reads the list form of chat_template and says when there is none or it does not parse', () => {
    const t = chatTemplateFromConfig({ chat_template: [{ name: 'tool_use', template: 'x' }, { name: 'default', template: CHATML }] })!;
    expect(t.name).toBe('default');
    expect(chatTemplateFromConfig({ eos_token: '</s>' })).toBeNull();
    expect(() => chatTemplateFromConfig({ chat_template: '{% for %}' })).toThrow(/chat_template could not be parsed/);
  });
});
