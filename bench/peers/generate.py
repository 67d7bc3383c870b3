"""Model peers of `quantlab bench --model synthetic:*`, on the device: transformers' LlamaForCausalLM with
random weights from LlamaConfig (the same Llama shapes, nothing downloaded), fp16 on the GPU,
  - eager: model.generate with the default dynamic cache. Prefill: one forward of the prompt. Decode tok/s:
    (time to generate N+1 tokens - time to generate 1) / N, so the prompt's prefill cancels out;
  - cuda-graph and compiled: the same weights through static_decode.py's decode step with a static KV cache,
    replayed as one CUDA graph a token (compiled: the step through torch.compile first). Prefill: that
    code over the prompt, eagerly; first token: prefill and one step; decode tok/s: N replays after it.
Prints one JSON record a line (--json) or a line of text a figure."""
import argparse
import json
import time
import traceback

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from static_decode import StaticDecoder

SHAPES = {
    "1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
               head_dim=64, vocab_size=128256, tie_word_embeddings=True, rope_theta=500000.0, max_position_embeddings=131072),
    "7b": dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
               head_dim=128, vocab_size=32000, tie_word_embeddings=False, rope_theta=10000.0, max_position_embeddings=4096),
    "8b": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
               head_dim=128, vocab_size=128256, tie_word_embeddings=False, rope_theta=500000.0, max_position_embeddings=8192),
}


def seconds(fn, tries):
    best = float("inf")
    for _ in range(tries):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def generate(model, ids, new_tokens):
    return model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)


def eager_figures(model, ids, decode):
    with torch.inference_mode():
        for _ in range(2):
            generate(model, ids, decode + 1)
        prefill = seconds(lambda: model(ids), 3)
        first = seconds(lambda: generate(model, ids, 1), 3)
        whole = seconds(lambda: generate(model, ids, decode + 1), 2)
    return prefill, first, decode / (whole - first)


def static_figures(model, ids, decode, compiled):
    with torch.inference_mode():
        decoder = StaticDecoder(model, ids.shape[1] + decode + 1)
        prompt = ids[0]
        decoder.prefill(prompt)
        # dynamic=False: each shape is compiled for its own sizes, not retraced with symbolic ones after the
        # first shape (the 7B shape, compiled after the 1B one, failed in fake-tensor tracing).
        decoder.capture(torch.compile(decoder.step, fullgraph=True, dynamic=False) if compiled else decoder.step)
        prefill = seconds(lambda: decoder.prefill(prompt), 3)
        first = seconds(lambda: (decoder.prefill(prompt), decoder.decode(1)), 3)
        decoder.prefill(prompt)
        decoder.decode(1)
        steps = seconds(lambda: decoder.decode(decode), 1)
    return prefill, first, decode / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shapes", default="1b,7b,8b")
    parser.add_argument("--modes", default="eager,cuda-graph,compiled")
    parser.add_argument("--prompt", type=int, default=512)
    parser.add_argument("--decode", type=int, default=128)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for shape in args.shapes.split(","):
        config = LlamaConfig(**SHAPES[shape], torch_dtype="float16")
        with torch.device("cuda"):
            torch.set_default_dtype(torch.float16)
            model = LlamaForCausalLM(config).eval()
            torch.set_default_dtype(torch.float32)
        ids = torch.randint(0, config.vocab_size, (1, args.prompt), device="cuda")
        for mode in args.modes.split(","):
            peer = f"{'transformers' if mode == 'eager' else 'torch'}-{mode}"
            try:
                if mode == "eager":
                    prefill, first, decode_tps = eager_figures(model, ids, args.decode)
                else:
                    prefill, first, decode_tps = static_figures(model, ids, args.decode, mode == "compiled")
                record = {"peer": peer, "shape": f"synthetic:{shape}", "prompt_tokens": args.prompt,
                          "decode_tokens": args.decode, "prefill_tokens_per_second": args.prompt / prefill,
                          "time_to_first_token_ms": first * 1000, "decode_tokens_per_second": decode_tps,
                          "gpu_memory_bytes": torch.cuda.max_memory_allocated(), "device": torch.cuda.get_device_name(),
                          "torch": torch.__version__}
            except Exception as error:  # a peer that fails is reported (its traceback on stderr), and the table goes on
                traceback.print_exc()
                record = {"peer": peer, "shape": f"synthetic:{shape}", "error": f"{type(error).__name__}: {error}"[:300]}
            if args.json:
                print(json.dumps(record), flush=True)
            elif "error" in record:
                print(f"peer {record['peer']} {record['shape']}: failed: {record['error']}", flush=True)
            else:
                print(f"peer {record['peer']} {record['shape']}: prefill {record['prefill_tokens_per_second']:.0f} tok/s, "
                      f"first token {record['time_to_first_token_ms']:.1f} ms, decode {decode_tps:.1f} tok/s", flush=True)
        del model
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


if __name__ == "__main__":
    main()
