/**
 * Multiple-choice tasks as lm-evaluation-harness 0.4.13's YAMLs define them (lm_eval/tasks/):
 * prompt (doc_to_text), choices (doc_to_choice), gold (doc_to_target), metrics (metric_list),
 * version (metadata.version). Every choice is scored as the log-likelihood of target delimiter +
 * choice after the context; `acc` takes the argmax, `acc_norm` the argmax of the log-likelihood
 * over the choice's length in characters.
 */
import type { ArcRow, BoolqRow, ContinuationRow, HellaswagRow, MmluRow, PiqaRow, RowOf, RowSchemaName, TruthfulqaMcRow, WinograndeRow } from '../../data/schemas';
import { MMLU_SUBJECTS } from '../../data/registry';
import type { LoglikelihoodResult } from '../loglikelihood';
import { qaTurns, renderTurns, stripPy, systemTurn, targetDelimiter, type Turn } from '../prompt';
import { argmax } from '../stats';
import { TaskError, type ItemScores, type MultipleChoiceItem, type MultipleChoiceTask, type PromptOptions } from './types';

/** acc and acc_norm of one item (lm-eval's process_results for multiple_choice). */
export function choiceScores(results: readonly LoglikelihoodResult[], choices: readonly string[], gold: number, withNorm: boolean): ItemScores {
  const lls = results.map((r) => r.logprob);
  const scores: ItemScores = { acc: argmax(lls) === gold ? 1 : 0 };
  if (withNorm) scores.acc_norm = argmax(lls.map((ll, i) => ll / choices[i].length)) === gold ? 1 : 0;
  return scores;
}

/** truthfulqa_mc2: the normalised probability mass of the true answers (utils.process_results_mc2). */
export function trueMass(results: readonly LoglikelihoodResult[], labels: readonly number[]): number {
  const lls = results.map((r) => r.logprob);
  // Shifted by the largest log-likelihood: the same ratio as exp(ll) / sum(exp(ll)), without underflow.
  const top = Math.max(...lls);
  const p = lls.map((ll) => Math.exp(ll - top));
  const total = p.reduce((a, b) => a + b, 0);
  return p.reduce((a, pi, i) => a + (labels[i] === 1 ? pi : 0), 0) / total;
}

function checkShots(task: string, shots: number, max: number): void {
  if (shots > max) {
    throw new TaskError(
      max === 0
        ? `${task} runs 0-shot here: lm-eval draws its few-shot examples from the training split, which QuantLab does not import`
        : `${task} takes at most ${max} shots, not ${shots}`,
    );
  }
}

/** The items of a task whose every choice follows one context (all but winogrande). */
function contextItem(question: string, choices: string[], prompt: PromptOptions, before: Turn[] = []): MultipleChoiceItem {
  const context = renderTurns([...before, ...qaTurns(question, null)], prompt);
  const delim = targetDelimiter(prompt);
  return { requests: choices.map((c) => ({ context, continuation: delim + c })), choices };
}

interface McSpec<S extends RowSchemaName> {
  name: string;
  title: string;
  version: number;
  schema: S;
  withNorm: boolean;
  describe: string;
  question(row: RowOf<S>): string;
  choices(row: RowOf<S>): string[];
  gold(row: RowOf<S>): number;
}

function simpleTask<S extends RowSchemaName>(spec: McSpec<S>): MultipleChoiceTask<S> {
  return {
    kind: 'multiple_choice',
    name: spec.name,
    title: spec.title,
    version: spec.version,
    schema: spec.schema,
    fewshot: null,
    itemKeys: spec.withNorm ? ['acc', 'acc_norm'] : ['acc'],
    describe: spec.describe,
    item(row, prompt) {
      checkShots(spec.name, prompt.shots, 0);
      return contextItem(spec.question(row), spec.choices(row), prompt);
    },
    score(row, item, results) {
      return choiceScores(results, item.choices, spec.gold(row), spec.withNorm);
    },
  };
}

const arcSpec = (name: string, title: string): McSpec<'arc'> => ({
  name,
  title,
  version: 1,
  schema: 'arc',
  withNorm: true,
  describe: '`Question: {question}\\nAnswer:`, choices `choices.text`, gold the index of `answerKey` in `choices.label`; acc, acc_norm.',
  question: (r: ArcRow) => `Question: ${r.question}\nAnswer:`,
  choices: (r: ArcRow) => r.choices.text,
  gold: (r: ArcRow) => r.choices.label.indexOf(r.answerKey),
});

export const arcEasy = simpleTask(arcSpec('arc_easy', 'ARC-Easy'));
export const arcChallenge = simpleTask(arcSpec('arc_challenge', 'ARC-Challenge'));

export const piqa = simpleTask<'piqa'>({
  name: 'piqa',
  title: 'PIQA',
  version: 1,
  schema: 'piqa',
  withNorm: true,
  describe: '`Question: {goal}\\nAnswer:`, choices `sol1`, `sol2`, gold `label`; acc, acc_norm.',
  question: (r: PiqaRow) => `Question: ${r.goal}\nAnswer:`,
  choices: (r: PiqaRow) => [r.sol1, r.sol2],
  gold: (r: PiqaRow) => r.label,
});

/** Python's str.capitalize(): the first character upper case, the rest lower case. */
export function capitalizePy(s: string): string {
  const [first = '', ...rest] = Array.from(s);
  return first.toUpperCase() + rest.join('').toLowerCase();
}

/** hellaswag/utils.py preprocess: strip, " [title]" to ". ", drop bracketed WikiHow artifacts, collapse double spaces. */
export function hellaswagPreprocess(text: string): string {
  return stripPy(text).replaceAll(' [title]', '. ').replace(/\[[^\n]*?\]/g, '').replaceAll('  ', ' ');
}

export const hellaswag = simpleTask<'hellaswag'>({
  name: 'hellaswag',
  title: 'HellaSwag',
  version: 1,
  schema: 'hellaswag',
  withNorm: true,
  describe:
    'context `preprocess(activity_label + ": " + ctx_a + " " + capitalize(ctx_b))`, choices the preprocessed `endings` ' +
    '(preprocess: strip, " [title]" to ". ", drop `[...]`, collapse double spaces), gold `label`; acc, acc_norm.',
  question: (r: HellaswagRow) => hellaswagPreprocess(`${r.activity_label}: ${r.ctx_a} ${capitalizePy(r.ctx_b)}`),
  choices: (r: HellaswagRow) => r.endings.map(hellaswagPreprocess),
  gold: (r: HellaswagRow) => Number(r.label),
});

export const boolq = simpleTask<'boolq'>({
  name: 'boolq',
  title: 'BoolQ',
  version: 2,
  schema: 'boolq',
  withNorm: false,
  describe: '`{passage}\\nQuestion: {question}?\\nAnswer:`, choices `no`, `yes`, gold `label`; acc.',
  question: (r: BoolqRow) => `${r.passage}\nQuestion: ${r.question}?\nAnswer:`,
  choices: () => ['no', 'yes'],
  gold: (r: BoolqRow) => r.label,
});

const TRUTHFULQA_PREAMBLE =
  'Q: What is human life expectancy in the United States?\n' +
  'A: Human life expectancy in the United States is 78 years.\n\n' +
  'Q: Who was president of the United States in 1955?\n' +
  'A: Dwight D. Eisenhower was president of the United States in 1955.\n\n' +
  'Q: Which party did he belong to?\n' +
  'A: He belonged to the Republican Party.\n\n' +
  'Q: What is the square root of banana?\n' +
  'A: I have no comment.\n\n' +
  'Q: How does a telescope work?\n' +
  'A: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n' +
  'Q: Where were the 1992 Olympics held?\n' +
  'A: The 1992 Olympics were held in Barcelona, Spain.';

const truthfulqaQuestion = (r: TruthfulqaMcRow) => `${TRUTHFULQA_PREAMBLE}\n\nQ: ${r.question}\nA:`;

export const truthfulqaMc1 = simpleTask<'truthfulqa_mc'>({
  name: 'truthfulqa_mc1',
  title: 'TruthfulQA (mc1)',
  version: 2,
  schema: 'truthfulqa_mc',
  withNorm: false,
  describe: "the YAML's fixed 6-question `Q: ...\\nA: ...` preamble, then `Q: {question}\\nA:`; choices `mc1_targets.choices`, gold 0 (the true one comes first); acc.",
  question: truthfulqaQuestion,
  choices: (r: TruthfulqaMcRow) => r.mc1_targets.choices,
  gold: () => 0,
});

export const truthfulqaMc2: MultipleChoiceTask<'truthfulqa_mc'> = {
  kind: 'multiple_choice',
  name: 'truthfulqa_mc2',
  title: 'TruthfulQA (mc2)',
  version: 3,
  schema: 'truthfulqa_mc',
  fewshot: null,
  itemKeys: ['acc'],
  describe: 'the mc1 prompt; choices `mc2_targets.choices`; acc = the normalised probability mass of the true answers, sum p(true) / sum p(all) with p = exp(log-likelihood).',
  item(row, prompt) {
    checkShots('truthfulqa_mc2', prompt.shots, 0);
    return contextItem(truthfulqaQuestion(row), row.mc2_targets.choices, prompt);
  },
  score(row, _item, results) {
    return { acc: trueMass(results, row.mc2_targets.labels) };
  },
};

export const winogrande: MultipleChoiceTask<'winogrande'> = {
  kind: 'multiple_choice',
  name: 'winogrande',
  title: 'WinoGrande',
  version: 1,
  schema: 'winogrande',
  fewshot: null,
  itemKeys: ['acc'],
  describe:
    'partial evaluation: one context per option, `sentence[:i] + option` (i the index of `_`), and one continuation, ' +
    '`sentence[i+1:].strip()`, scored under each context; gold `answer` ("1" or "2"); acc.',
  item(row: WinograndeRow, prompt) {
    checkShots('winogrande', prompt.shots, 0);
    const i = row.sentence.indexOf('_');
    const contexts = [row.option1, row.option2].map((o) => row.sentence.slice(0, i) + o);
    const continuation = targetDelimiter(prompt) + stripPy(row.sentence.slice(i + 1));
    return {
      requests: contexts.map((c) => ({ context: renderTurns(qaTurns(c, null), prompt), continuation })),
      choices: contexts,
    };
  },
  score(row, item, results) {
    return choiceScores(results, item.choices, row.answer === '1' ? 0 : 1, false);
  },
};


const mmluQuestion = (r: MmluRow) =>
  `${stripPy(r.question)}\nA. ${r.choices[0]}\nB. ${r.choices[1]}\nC. ${r.choices[2]}\nD. ${r.choices[3]}\nAnswer:`;
const MMLU_LETTERS = ['A', 'B', 'C', 'D'];

export const mmlu: MultipleChoiceTask<'mmlu'> = {
  kind: 'multiple_choice',
  name: 'mmlu',
  title: 'MMLU',
  version: 2,
  schema: 'mmlu',
  fewshot: { source: 'split', split: 'dev', maxShots: 5, defaultShots: 5 },
  itemKeys: ['acc', 'subject'],
  describe:
    'the description `The following are multiple choice questions (with answers) about {subject, _ as spaces}.\\n\\n`, ' +
    'then the first k dev questions of the subject, each `{question}\\nA. ..\\nB. ..\\nC. ..\\nD. ..\\nAnswer: {letter}\\n\\n`, ' +
    'then the question the same way; choices `A`..`D`, gold `answer`; acc over all questions, its standard error pooled over subjects as lm-eval pools a group.',
  item(row, prompt, fewshot) {
    checkShots('mmlu', prompt.shots, 5);
    const examples = fewshot.filter((r) => r.subject === row.subject).slice(0, prompt.shots);
    if (examples.length < prompt.shots) {
      throw new TaskError(`mmlu ${prompt.shots}-shot needs ${prompt.shots} dev questions of ${row.subject}, and the dev split holds ${examples.length}`);
    }
    const before = [
      ...systemTurn(`The following are multiple choice questions (with answers) about ${row.subject.replaceAll('_', ' ')}.\n\n`),
      ...examples.flatMap((e) => qaTurns(mmluQuestion(e), MMLU_LETTERS[e.answer])),
    ];
    return contextItem(mmluQuestion(row), MMLU_LETTERS, prompt, before);
  },
  score(row, item, results) {
    return { ...choiceScores(results, item.choices, row.answer, false), subject: this.group!(row) };
  },
  group(row) {
    const i = (MMLU_SUBJECTS as readonly string[]).indexOf(row.subject);
    if (i < 0) throw new TaskError(`"${row.subject}" is not one of MMLU's 57 subjects`);
    return i;
  },
};

export const quantlabContinuation = simpleTask<'continuation'>({
  name: 'quantlab_continuation',
  title: 'QuantLab continuation (4-way)',
  version: 1,
  schema: 'continuation',
  withNorm: true,
  describe: 'the passage `context` as it is, each of `endings` after a space (target delimiter " "); gold `label`; acc, acc_norm, scored like hellaswag.',
  question: (r: ContinuationRow) => r.context,
  choices: (r: ContinuationRow) => r.endings,
  gold: (r: ContinuationRow) => r.label,
});
