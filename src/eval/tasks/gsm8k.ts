/**
 * GSM8K as lm-eval's gsm8k.yaml (0-shot here: its 5-shot examples come from the train split,
 * which QuantLab does not import) and gsm8k-cot.yaml (the 8 chain-of-thought exemplars written in
 * the YAML, first_n). Greedy generation until a stop string, the EOS or the token limit; the
 * response goes through the YAML's two filters, each a regex whose first match is kept, and is
 * compared by exact_match after the YAML's regexes_to_ignore, ignoring case.
 */
import type { Gsm8kRow } from '../../data/schemas';
import { qaTurns, renderTurns } from '../prompt';
import { TaskError, type GenerationTask, type ItemScores } from './types';

/**
 * lm-eval's RegexFilter + take_first: the match at `groupSelect` (Python indexing) of re.findall;
 * of a match with several groups the first non-empty one; "[invalid]" when nothing matches.
 */
export function regexFilter(response: string, pattern: RegExp, groupSelect = 0): string {
  const matches = [...response.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))];
  if (matches.length === 0) return '[invalid]';
  const m = matches[groupSelect < 0 ? matches.length + groupSelect : groupSelect];
  if (!m) return '[invalid]';
  const groups = m.slice(1);
  if (groups.length === 0) return m[0].trim();
  if (groups.length === 1) return (groups[0] ?? '').trim();
  const found = groups.find((g) => g);
  return found === undefined ? '[invalid]' : found.trim();
}

/**
 * The YAML's regexes_to_ignore, in JavaScript: `,`, `\$`, `(?s).*#### ` and `\.$` (Python's `$`
 * also matches before a final newline, hence the lookahead).
 */
const IGNORE = [/,/g, /\$/g, /[\s\S]*#### /g, /\.(?=\n?$)/g];

/** lm-eval's exact_match with regexes_to_ignore and ignore_case, on one prediction. */
export function exactMatch(prediction: string, reference: string): number {
  const clean = (s: string) => IGNORE.reduce((acc, re) => acc.replace(re, ''), s).toLowerCase();
  return clean(prediction) === clean(reference) ? 1 : 0;
}

const FLEXIBLE = /(-?[$0-9.,]{2,})|(-?[0-9]+)/;

function scoreWith(strict: RegExp, reference: (row: Gsm8kRow) => string) {
  return (row: Gsm8kRow, response: string): ItemScores => ({
    'exact_match,strict-match': exactMatch(regexFilter(response, strict), reference(row)),
    'exact_match,flexible-extract': exactMatch(regexFilter(response, FLEXIBLE, -1), reference(row)),
  });
}

const ITEM_KEYS = ['exact_match,strict-match', 'exact_match,flexible-extract', 'generated_tokens'] as const;

/** HFLM's default max_gen_toks: neither YAML sets one. */
export const GSM8K_MAX_TOKENS = 256;

export const gsm8k: GenerationTask<'gsm8k'> = {
  kind: 'generate_until',
  name: 'gsm8k',
  title: 'GSM8K',
  version: 3,
  schema: 'gsm8k',
  fewshot: null,
  itemKeys: ITEM_KEYS,
  describe:
    '`Question: {question}\\nAnswer:`, 0-shot; greedy until `Question:`, `</s>`, `<|im_end|>`, the EOS or 256 tokens; ' +
    'exact_match of the `#### (-?[0-9.,]+)` match (strict-match) and of the last number (flexible-extract) against the answer after `#### `.',
  item(row, prompt) {
    if (prompt.shots > 0) {
      throw new TaskError('gsm8k runs 0-shot here: its 5-shot examples come from the train split, which QuantLab does not import; gsm8k_cot has 8 exemplars of its own');
    }
    return { context: renderTurns(qaTurns(`Question: ${row.question}\nAnswer:`, null), prompt), until: ['Question:', '</s>', '<|im_end|>'], maxTokens: GSM8K_MAX_TOKENS };
  },
  score: scoreWith(/#### (-?[0-9.,]+)/, (row) => row.answer),
};

/** gsm8k-cot.yaml's fewshot_config.samples, in order. */
export const GSM8K_COT_EXEMPLARS: readonly { question: string; target: string }[] = [
  {
    question: 'There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?',
    target: 'There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6.',
  },
  {
    question: 'If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?',
    target: 'There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5.',
  },
  {
    question: 'Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?',
    target: 'Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39.',
  },
  {
    question: 'Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?',
    target: 'Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8.',
  },
  {
    question: 'Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?',
    target: 'Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9.',
  },
  {
    question: 'There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?',
    target: 'There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29.',
  },
  {
    question: 'Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?',
    target: 'Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33.',
  },
  {
    question: 'Olivia has $23. She bought five bagels for $3 each. How much money does she have left?',
    target: 'Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8.',
  },
];

const cotQuestion = (question: string) => `Q: ${question}\nA:`;

export const gsm8kCot: GenerationTask<'gsm8k'> = {
  kind: 'generate_until',
  name: 'gsm8k_cot',
  title: 'GSM8K, chain of thought',
  version: 3,
  schema: 'gsm8k',
  fewshot: { source: 'fixed', maxShots: 8, defaultShots: 8 },
  itemKeys: ITEM_KEYS,
  describe:
    "the YAML's 8 exemplars, each `Q: {question}\\nA: {target}\\n\\n`, then `Q: {question}\\nA:`; greedy until `Q:`, `</s>`, `<|im_end|>`, the EOS or 256 tokens; " +
    'exact_match of the `The answer is (-?[0-9.,]+).` match (strict-match) and of the last number (flexible-extract) against the answer after `####`.',
  item(row, prompt) {
    if (prompt.shots > GSM8K_COT_EXEMPLARS.length) throw new TaskError(`gsm8k_cot has ${GSM8K_COT_EXEMPLARS.length} exemplars, not ${prompt.shots}`);
    const turns = [
      ...GSM8K_COT_EXEMPLARS.slice(0, prompt.shots).flatMap((e) => qaTurns(cotQuestion(e.question), e.target)),
      ...qaTurns(cotQuestion(row.question), null),
    ];
    return { context: renderTurns(turns, prompt), until: ['Q:', '</s>', '<|im_end|>'], maxTokens: GSM8K_MAX_TOKENS };
  },
  score: scoreWith(/The answer is (-?[0-9.,]+)./, (row) => row.answer.split('####').pop()!.trim()),
};
