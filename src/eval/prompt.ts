/**
 * Prompts as lm-evaluation-harness 0.4 builds them (api/task.py `fewshot_context`,
 * `build_qa_turn`, api/utils.py `Message`, `multiturn_to_singleturn`): a list of turns, each with
 * the delimiter that follows it in plain text. Plain text joins them; with a chat template, the
 * turns are collapsed into one user message (after an optional system message), rendered through
 * the model's template with the generation prompt added, and the target delimiter becomes "".
 */
import type { ChatTemplate } from './chatTemplate';

export interface Turn {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** What follows the turn in plain text: the target delimiter after a question, the few-shot delimiter after an answer. */
  delimiter: string;
}

export interface PromptStyle {
  /** Render through this chat template (lm-eval's --apply_chat_template); plain text when null. */
  chat: ChatTemplate | null;
}

/** Python's str.isspace characters (it differs from JavaScript's \s: \x1c-\x1f and \x85 yes, \ufeff no). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, 'u');
const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');
const ONE_SPACE = new RegExp(`^[${PY_SPACE}]$`, 'u');

export function isSpacePy(ch: string): boolean {
  return ONE_SPACE.test(ch);
}

/** Python's s.rstrip(). */
export function rstripPy(s: string): string {
  return s.replace(TRAILING_SPACE, '');
}

/** Python's s.strip(). */
export function stripPy(s: string): string {
  return s.replace(EDGE_SPACE, '');
}

/** One question-and-answer turn of lm-eval's build_qa_turn (no gen_prefix): the answer, when given, follows after the target delimiter. */
export function qaTurns(question: string, answer: string | null, targetDelimiter = ' ', fewshotDelimiter = '\n\n'): Turn[] {
  if (answer === null || answer === '') return [{ role: 'user', content: question, delimiter: '' }];
  return [
    { role: 'user', content: question, delimiter: targetDelimiter },
    { role: 'assistant', content: answer, delimiter: fewshotDelimiter },
  ];
}

/** A description (lm-eval's `description`, e.g. MMLU's subject line) goes first, as a system turn. */
export function systemTurn(description: string): Turn[] {
  return description ? [{ role: 'system', content: description, delimiter: '' }] : [];
}

/** The context string of a list of turns, plain or through the chat template. */
export function renderTurns(turns: readonly Turn[], style: PromptStyle): string {
  if (!style.chat) return turns.map((t) => t.content + t.delimiter).join('');
  const [system, rest] = turns[0]?.role === 'system' ? [turns[0], turns.slice(1)] : [null, turns];
  let messages: { role: string; content: string }[];
  if (rest.length && rest[rest.length - 1].role === 'assistant') {
    const user = rest.slice(0, -1);
    messages = [
      { role: 'user', content: user.map((t, i) => t.content + (i === user.length - 1 ? '' : t.delimiter)).join('') },
      { role: 'assistant', content: rest[rest.length - 1].content },
    ];
  } else {
    messages = [{ role: 'user', content: rest.map((t, i) => t.content + (i === rest.length - 1 ? '' : t.delimiter)).join('') }];
  }
  if (system) messages.unshift({ role: 'system', content: system.content });
  return style.chat.render(messages, { addGenerationPrompt: true });
}

/** The delimiter between context and choice: the task's (a space) in plain text, none after a chat template's generation prompt. */
export function targetDelimiter(style: PromptStyle, taskDelimiter = ' '): string {
  return style.chat ? '' : taskDelimiter;
}
