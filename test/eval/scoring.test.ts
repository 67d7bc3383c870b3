/**
 * Scoring on hand-checked items: the log-likelihoods are given, the expected outcomes worked out
 * by hand from lm-eval's rules (process_results, process_results_mc2, the gsm8k filters).
 */
import { describe, expect, it } from 'vitest';
import { itemMetrics } from '../../src/eval/cells';
import type { LoglikelihoodResult } from '../../src/eval/loglikelihood';
import { meanStderr, pooledStderr } from '../../src/eval/stats';
import { exactMatch, gsm8k, gsm8kCot, regexFilter } from '../../src/eval/tasks/gsm8k';
import { capitalizePy, choiceScores, hellaswagPreprocess, mmlu, trueMass, winogrande } from '../../src/eval/tasks/multipleChoice';
import { taskEntry } from '../../src/eval/tasks/registry';
import { mmluRows, winograndeRows } from './rows';

const ll = (...values: number[]): LoglikelihoodResult[] => values.map((logprob) => ({ logprob, isGreedy: false, tokens: 1 }));

describe('multiple-choice scoring', () => {
  it('acc takes the largest log-likelihood, acc_norm the largest per character', () => {
    // " a" (2 chars) at -3 wins on the sum; " abcdefgh" (9 chars) at -4.5 wins per character (-0.5 vs -1.5).
    expect(choiceScores(ll(-3, -4.5), [' a', ' abcdefgh'].map((s) => s.slice(1)), 0, true)).toEqual({ acc: 1, acc_norm: 0 });
    expect(choiceScores(ll(-3, -4.5), ['a', 'abcdefgh'], 1, true)).toEqual({ acc: 0, acc_norm: 1 });
  });

  it('a tie goes to the first choice, as numpy.argmax', () => {
    expect(choiceScores(ll(-2, -2, -5), ['x', 'y', 'z'], 0, false)).toEqual({ acc: 1 });
    expect(choiceScores(ll(-2, -2, -5), ['x', 'y', 'z'], 1, false)).toEqual({ acc: 0 });
  });

  it('acc_norm divides by the length of the choice without the delimiter', () => {
    // lm-eval: completion_len = len(choice) for the doc_to_choice strings, the target delimiter not counted.
    expect(choiceScores(ll(-6, -10), ['abc', 'abcdefghij'], 1, true).acc_norm).toBe(1);
  });

  it('mc2 is the normalised probability mass of the true answers', () => {
    // p = e^-1, e^-2, e^-3; true: the first and third -> (e^-1 + e^-3) / (e^-1 + e^-2 + e^-3).
    const expected = (Math.exp(-1) + Math.exp(-3)) / (Math.exp(-1) + Math.exp(-2) + Math.exp(-3));
    expect(trueMass(ll(-1, -2, -3), [1, 0, 1])).toBeCloseTo(expected, 14);
    // Very negative log-likelihoods (long answers) keep their ratio instead of underflowing to 0/0.
    expect(trueMass(ll(-1001, -1002), [1, 0])).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it('winogrande scores one continuation under two contexts (partial evaluation)', () => {
    const [row] = winograndeRows(1);
    // "Sarah was a much better surgeon than Maria so _ always got the easier cases.", answer 2.
    const item = winogrande.item(row, { shots: 0, chat: null }, []);
    expect(item.requests).toEqual([
      { context: 'Sarah was a much better surgeon than Maria so Sarah', continuation: ' always got the easier cases.' },
      { context: 'Sarah was a much better surgeon than Maria so Maria', continuation: ' always got the easier cases.' },
    ]);
    expect(winogrande.score(row, item, ll(-9, -7))).toEqual({ acc: 1 });
    expect(winogrande.score(row, item, ll(-7, -9))).toEqual({ acc: 0 });
  });

  it('mmlu 5-shot takes the first five dev questions of the subject and pools its standard error over subjects', () => {
    const dev = mmluRows('anatomy', 'dev', 5);
    const [row] = mmluRows('anatomy', 'test', 1);
    const item = mmlu.item(row, { shots: 5, chat: null }, dev);
    const ctx = item.requests[0].context;
    expect(ctx.startsWith('The following are multiple choice questions (with answers) about anatomy.\n\nWhat is the embryological origin of the hyoid bone?\nA. The first pharyngeal arch\n')).toBe(true);
    expect(ctx.split('\n\n')).toHaveLength(7);
    expect(item.requests.map((r) => r.continuation)).toEqual([' A', ' B', ' C', ' D']);
    expect(() => mmlu.item(row, { shots: 5, chat: null }, dev.slice(0, 4))).toThrow(/needs 5 dev questions of anatomy/);
    // Two subjects, two items each: pooled as lm-eval's pooled_sample_stderr.
    const m = itemMetrics(taskEntry('mmlu'), { acc: [1, 0, 1, 1], subject: [1, 1, 2, 2] });
    expect(m.acc).toBe(0.75);
    expect(m.acc_stderr).toBeCloseTo(pooledStderr([meanStderr([1, 0]), meanStderr([1, 1])], [2, 2]), 14);
    expect(m.acc_stderr).toBeCloseTo(Math.sqrt(((1 * 0.25 * 2 + 0) / 2) / 4), 14);
  });

  it('standard errors are the sample standard deviation over sqrt(n)', () => {
    // [1, 0, 1, 1]: mean 0.75, sample variance 0.25, stderr 0.5 / 2.
    const m = itemMetrics(taskEntry('piqa'), { acc: [1, 0, 1, 1], acc_norm: [0, 0, 1, 1] });
    expect(m).toMatchObject({ acc: 0.75, acc_stderr: 0.25, acc_norm: 0.5 });
    expect(m.acc_norm_stderr).toBeCloseTo(Math.sqrt(1 / 3) / 2, 14);
  });

  it("last-word perplexity is exp(-mean log-likelihood) over items, acc the greedy matches, tokens counted", () => {
    const m = itemMetrics(taskEntry('lambada_openai'), { acc: [1, 0], ll: [-1, -3], tokens: [1, 2] });
    expect(m.perplexity).toBeCloseTo(Math.exp(2), 12);
    expect(m.acc).toBe(0.5);
    expect(m.tokens).toBe(3);
    expect(m.perplexity_stderr).toBeCloseTo(Math.exp(2) * meanStderr([-1, -3]), 12);
  });
});

describe('hellaswag preprocessing as its utils.py', () => {
  it('capitalizes ctx_b as Python does (the rest lower case) and cleans WikiHow artifacts', () => {
    expect(capitalizePy('then, the man CONTINUES')).toBe('Then, the man continues');
    // Python's own output for this input (one pass of "  " -> " ", so three spaces become two).
    expect(hellaswagPreprocess(' Removing ice: a [title] Do it.  [step] b ')).toBe('Removing ice: a. Do it.  b');
  });
});

describe('gsm8k filters and exact match', () => {
  it('strict-match takes "#### n", flexible-extract the last number; both ignore commas, $ and a final period', () => {
    const row = { question: 'q', answer: 'She makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18' };
    expect(gsm8k.score(row, ' 16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n#### 18')).toEqual({ 'exact_match,strict-match': 1, 'exact_match,flexible-extract': 1 });
    expect(gsm8k.score(row, ' The answer is $18.')).toEqual({ 'exact_match,strict-match': 0, 'exact_match,flexible-extract': 1 });
    expect(gsm8k.score(row, ' 18 eggs, then 20')).toEqual({ 'exact_match,strict-match': 0, 'exact_match,flexible-extract': 0 });
    expect(regexFilter('no digits here', /#### (-?[0-9.,]+)/)).toBe('[invalid]');
    expect(regexFilter('1,000 and 2,500.', /(-?[$0-9.,]{2,})|(-?[0-9]+)/, -1)).toBe('2,500.');
    expect(exactMatch('2,500.', '2500')).toBe(1);
  });

  it('gsm8k_cot reads "The answer is n." and compares with the number after ####', () => {
    const row = { question: 'q', answer: 'work\n#### 1,234' };
    expect(gsm8kCot.score(row, ' 1000 + 234 = 1234. The answer is 1234.')).toEqual({ 'exact_match,strict-match': 1, 'exact_match,flexible-extract': 1 });
  });
});
