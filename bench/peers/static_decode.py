"""A PyTorch decode step with a static KV cache, replayed as one CUDA graph: the peer that transformers'
generate(cache_implementation="static") with torch.compile(mode="reduce-overhead") was meant to be, which
fails in transformers 5.17 (its static cache's cumulative_length is mutated in place and the CUDA graph
tree reports an overwritten output). The step reads the weights of a transformers LlamaForCausalLM, so the
shapes and the data are the eager peer's; prefill is the same code over the prompt, run eagerly.

  - cuda-graph: PyTorch's own kernels (cuBLAS matvecs, scaled_dot_product_attention), captured once;
  - compiled: the step through torch.compile (Inductor's fused kernels), then captured the same way.

A replay embeds the token held on the GPU, writes K and V at the position held on the GPU, attends over the
cache with a mask up to that position, takes the argmax into the token and advances the position, so
consecutive replays decode greedily with no host work between them."""
import torch
import torch.nn.functional as F


class StaticDecoder:
    def __init__(self, model, max_len):
        c = model.config
        self.heads, self.kv_heads, self.head_dim = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.eps = c.rms_norm_eps
        # Grouped-query attention only where the shape has it (the keyword is left out for plain multi-head).
        self.gqa = {"enable_gqa": True} if self.heads != self.kv_heads else {}
        self.embed = model.model.embed_tokens.weight
        self.norm = model.model.norm.weight
        self.head = model.lm_head.weight
        self.layers = []
        for layer in model.model.layers:
            attn, mlp = layer.self_attn, layer.mlp
            self.layers.append(dict(
                ln1=layer.input_layernorm.weight, ln2=layer.post_attention_layernorm.weight,
                qkv=torch.cat([attn.q_proj.weight, attn.k_proj.weight, attn.v_proj.weight]), o=attn.o_proj.weight,
                gate_up=torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight]), down=mlp.down_proj.weight))
        device, dtype = self.embed.device, self.embed.dtype
        shape = (len(self.layers), 1, self.kv_heads, max_len, self.head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        inv_freq = model.model.rotary_emb.inv_freq.float()  # the model's own RoPE frequencies (default rope: no scaling)
        angles = torch.outer(torch.arange(max_len, device=device, dtype=torch.float32), inv_freq)
        angles = torch.cat([angles, angles], dim=-1)
        self.cos, self.sin = angles.cos().to(dtype), angles.sin().to(dtype)
        self.key_positions = torch.arange(max_len, device=device)
        self.token = torch.zeros(1, dtype=torch.long, device=device)
        self.position = torch.zeros(1, dtype=torch.long, device=device)
        self.graph = None

    def rms(self, x, weight):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * weight

    @staticmethod
    def rotate(x, cos, sin):
        half = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin

    def forward(self, ids, positions):
        """Logits of the last of `ids` at `positions` (both 1-D tensors on the GPU), the cache written there."""
        t = ids.shape[0]
        h = self.embed[ids]
        cos, sin = self.cos[positions][None, :, None, :], self.sin[positions][None, :, None, :]
        mask = (self.key_positions[None, :] <= positions[:, None])[None, None]
        q_width, kv_width = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for i, w in enumerate(self.layers):
            qkv = self.rms(h, w["ln1"]) @ w["qkv"].T
            q = qkv[:, :q_width].view(1, t, self.heads, self.head_dim)
            k = qkv[:, q_width:q_width + kv_width].view(1, t, self.kv_heads, self.head_dim)
            v = qkv[:, q_width + kv_width:].view(1, t, self.kv_heads, self.head_dim)
            q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
            self.k[i].index_copy_(2, positions, k.transpose(1, 2))
            self.v[i].index_copy_(2, positions, v.transpose(1, 2))
            a = F.scaled_dot_product_attention(q.transpose(1, 2), self.k[i], self.v[i], attn_mask=mask, **self.gqa)
            h = h + a.transpose(1, 2).reshape(t, q_width) @ w["o"].T
            gate, up = (self.rms(h, w["ln2"]) @ w["gate_up"].T).chunk(2, dim=-1)
            h = h + (F.silu(gate) * up) @ w["down"].T
        return self.rms(h[-1:], self.norm) @ self.head.T

    def step(self):
        logits = self.forward(self.token, self.position)
        self.token.copy_(logits.argmax(-1))
        self.position.add_(1)

    def prefill(self, ids):
        """Writes the prompt's K and V at positions 0.. and leaves its greedy token and the next position."""
        logits = self.forward(ids, torch.arange(ids.shape[0], device=ids.device))
        self.token.copy_(logits.argmax(-1))
        self.position.fill_(ids.shape[0])

    def capture(self, step):
        """Records `step` (self.step, or a compiled version of it) as the CUDA graph decode() replays."""
        saved = self.token.clone(), self.position.clone()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(3):  # cuBLAS workspaces and Inductor's autotuning happen outside the capture
                step()
        torch.cuda.current_stream().wait_stream(stream)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            step()
        self.token.copy_(saved[0])
        self.position.copy_(saved[1])

    def decode(self, steps):
        for _ in range(steps):
            self.graph.replay()
