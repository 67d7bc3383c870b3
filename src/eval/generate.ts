/**
 * Greedy generation as lm-eval's HFLM.generate_until runs it: the context left-truncated to
 * max_length - max_gen_toks tokens, then one token at a time on the KV cache, stopping at an EOS
 * id, at a stop string in the text so far, or after max_gen_toks tokens; the text is cut before
 * the first stop string (special tokens left out, as tok_decode skips them).
 */
import type { InferenceSession } from '../engine/session';
import { CancelledError } from './perplexity';

export interface GenerationOptions {
  until: readonly string[];
  maxTokens: number;
  stopTokenIds: readonly number[];
  signal?: AbortSignal;
}

export interface Generation {
  text: string;
  /** Tokens generated (the EOS included when it ended the generation). */
  tokens: number;
  /** Context tokens run (after truncation). */
  contextTokens: number;
}

/** Cuts `text` before the first occurrence of any stop string (lm-eval's postprocess_generated_text). */
export function cutAtStop(text: string, until: readonly string[]): string {
  let out = text;
  for (const s of until) if (s.length > 0) out = out.split(s)[0];
  return out;
}

export async function generateGreedy(
  session: InferenceSession,
  decode: (ids: number[]) => string,
  context: readonly number[],
  options: GenerationOptions,
): Promise<Generation> {
  const maxLength = session.options.contextLength;
  const room = maxLength - options.maxTokens;
  if (room <= 0) throw new Error(`generating ${options.maxTokens} tokens leaves no room for a context in ${maxLength} positions`);
  const prompt = context.slice(-room);
  const batch = session.options.maxBatch;
  for (let off = 0; off < prompt.length; off += batch) session.forward(prompt.slice(off, off + batch), off);
  const generated: number[] = [];
  // The argmax is taken on the GPU and steps are chained there (session.greedyChains): a chain
  // reads back its token ids, not the vocabulary's logits. Ids past a stop are dropped.
  const first = await session.greedyToken();
  const stops = (token: number) => {
    generated.push(token);
    if (options.stopTokenIds.includes(token)) return true;
    const text = decode(generated);
    // The context was cut to leave maxTokens positions, so the token limit comes first.
    return options.until.some((s) => s.length > 0 && text.includes(s)) || generated.length >= options.maxTokens;
  };
  if (options.signal?.aborted) throw new CancelledError();
  if (!stops(first)) {
    decoding: for await (const chain of session.greedyChains(first, prompt.length, options.maxTokens - 1)) {
      if (options.signal?.aborted) throw new CancelledError();
      for (const token of chain) if (stops(token)) break decoding;
    }
  }
  const kept = options.stopTokenIds.includes(generated[generated.length - 1]) ? generated.slice(0, -1) : generated;
  return { text: cutAtStop(decode(kept), options.until), tokens: generated.length, contextTokens: prompt.length };
}
