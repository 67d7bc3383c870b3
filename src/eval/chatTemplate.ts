/**
 * A model's own chat template (tokenizer_config.json's `chat_template`), rendered with
 * @huggingface/jinja as transformers' apply_chat_template renders it: the messages, the
 * generation-prompt flag and the tokenizer's special tokens (bos_token, eos_token, ...) as
 * variables. Like lm-eval's HFLM.apply_chat_template, a template that refuses a system message
 * is tried again without it.
 */
import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatTemplate {
  /** Which template: its name in tokenizer_config.json ("default" for a single string). */
  readonly name: string;
  render(messages: ChatMessage[], options: { addGenerationPrompt: boolean }): string;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** The chat template of a parsed tokenizer_config.json, or null when it has none. */
export function chatTemplateFromConfig(config: unknown): ChatTemplate | null {
  if (!config || typeof config !== 'object') return null;
  const c = config as Record<string, unknown>;
  let source: string | null = null;
  let name = 'default';
  if (typeof c.chat_template === 'string') source = c.chat_template;
  else if (Array.isArray(c.chat_template)) {
    // transformers' list form: [{name, template}], the one named "default" used unless another is asked for.
    const entries = c.chat_template.filter(
      (e): e is { name: string; template: string } => !!e && typeof e.name === 'string' && typeof e.template === 'string',
    );
    const pick = entries.find((e) => e.name === 'default') ?? entries[0];
    if (pick) {
      source = pick.template;
      name = pick.name;
    }
  }
  if (source === null) return null;
  let template: Template;
  try {
    template = new Template(source);
  } catch (e) {
    throw new Error(`tokenizer_config.json's chat_template could not be parsed: ${(e as Error).message}`);
  }
  const specials: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token']) {
    const text = tokenText(c[key]);
    if (text !== undefined) specials[key] = text;
  }
  const renderOnce = (messages: ChatMessage[], addGenerationPrompt: boolean) =>
    template.render({
      ...specials,
      messages,
      add_generation_prompt: addGenerationPrompt,
    });
  return {
    name,
    render(messages, { addGenerationPrompt }) {
      try {
        return renderOnce(messages, addGenerationPrompt);
      } catch (e) {
        if (!messages.some((m) => m.role === 'system')) throw new Error(`the chat template failed: ${(e as Error).message}`);
        try {
          return renderOnce(messages.filter((m) => m.role !== 'system'), addGenerationPrompt);
        } catch (again) {
          throw new Error(`the chat template failed: ${(again as Error).message}`);
        }
      }
    },
  };
}
