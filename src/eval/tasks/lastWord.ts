/**
 * Last-word prediction as lm-eval's lambada_openai: the context is the passage up to its last
 * space, the continuation a space and the last word. Per item: the log-likelihood of the word and
 * whether greedy decoding gives exactly its tokens; `acc` is the mean of the latter, `perplexity`
 * is exp(-mean log-likelihood) over the items. The lab's own quantlab_lastword scores the same way.
 */
import type { LambadaRow } from '../../data/schemas';
import { qaTurns, renderTurns } from '../prompt';
import { TaskError, type LoglikelihoodTask } from './types';

function lastWordTask(name: string, title: string, version: number): LoglikelihoodTask<'lambada'> {
  return {
    kind: 'loglikelihood',
    name,
    title,
    version,
    schema: 'lambada',
    fewshot: null,
    itemKeys: ['acc', 'll', 'tokens'],
    describe:
      "context `text.split(' ')[:-1].join(' ')`, continuation `' ' + text.split(' ')[-1]`; acc = greedy decoding gives the word's tokens exactly, " +
      'perplexity = exp(-mean log-likelihood of the word) over the items.',
    item(row: LambadaRow, prompt) {
      if (prompt.shots > 0) throw new TaskError(`${name} runs 0-shot (lm-eval gives it no few-shot examples)`);
      const words = row.text.split(' ');
      if (words.length < 2) throw new TaskError(`a ${name} passage needs at least two words separated by a space: "${row.text.slice(0, 60)}"`);
      const context = renderTurns(qaTurns(words.slice(0, -1).join(' '), null), prompt);
      // doc_to_target carries the space itself, so a chat template keeps it (only multiple-choice delimiters are dropped there).
      return { request: { context, continuation: ` ${words[words.length - 1]}` } };
    },
  };
}

export const lambadaOpenai = lastWordTask('lambada_openai', 'LAMBADA (OpenAI)', 1);
export const quantlabLastword = lastWordTask('quantlab_lastword', 'QuantLab last word', 1);
