"""A BERT forward pass over packed tokens, in bfloat16, for mean-pooled sentence embeddings.

The dense layers (fused QKV, output, feed-forward with its GELU, layer norms) run on every real
token of a batch at once, ``[total_tokens, hidden]``, with no padding; attention runs per group of
sequences of one exact length, so it needs no mask. The texts are sorted by length, so each group
is a contiguous slice of the packed tokens and a plain view. The weights are made once from the
model's float32 ones: the 1/sqrt(head size) of attention folded into the query weights before the
cast, and each product's weight laid out for oneDNN (``mkldnn._linear_pointwise``, GELU fused into
the feed-forward product) where torch has it. Measurements are in ``models.matching.embeddings``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

BF16 = torch.bfloat16


def packable(network: Any) -> bool:
    """Whether ``network`` is a plain BERT encoder this forward reproduces (MiniLM-L6 is)."""
    config = getattr(network, "config", None)
    return (
        type(network).__name__ == "BertModel"
        and getattr(config, "hidden_act", None) == "gelu"
        and getattr(config, "position_embedding_type", "absolute") == "absolute"
    )


def _onednn_linear() -> bool:
    """Whether this torch lays out bf16 weights for oneDNN and runs products on them (x86 builds)."""
    try:
        weight = torch.ops.mkldnn._reorder_linear_weight(torch.ones(8, 8, dtype=BF16), 4)
        torch.ops.mkldnn._linear_pointwise(torch.ones(4, 8, dtype=BF16), weight, None, "gelu", [], "none")
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    return True


class PackedBert(torch.nn.Module):
    """The bf16 BERT encoder of a float32 ``BertModel``, run on packed tokens (see the module).

    ``token_budget`` is the number of tokens a forward pass usually gets (oneDNN lays the weights
    out for it; other counts work as well).
    """

    def __init__(self, network: Any, token_budget: int, dtype: torch.dtype = BF16):
        super().__init__()
        self.dtype = dtype  # float32 only to check this forward against the Hugging Face one
        config = network.config
        self.eps = float(config.layer_norm_eps)
        self.heads = int(config.num_attention_heads)
        self.onednn = dtype == BF16 and _onednn_linear()
        scale = (config.hidden_size // self.heads) ** -0.5

        def bf16(tensor: torch.Tensor) -> torch.nn.Parameter:
            return torch.nn.Parameter(tensor.detach().to(dtype).contiguous(), requires_grad=False)

        def weight(tensor: torch.Tensor) -> torch.Tensor:  # not a parameter: a oneDNN copy
            plain = tensor.detach().to(dtype).contiguous()
            return torch.ops.mkldnn._reorder_linear_weight(plain, token_budget) if self.onednn else plain

        embeddings = network.embeddings
        self.word = bf16(embeddings.word_embeddings.weight)
        self.position = bf16(embeddings.position_embeddings.weight)
        self.token_type = bf16(embeddings.token_type_embeddings.weight[0])
        self.norm = torch.nn.ParameterList(
            [bf16(embeddings.LayerNorm.weight), bf16(embeddings.LayerNorm.bias)]
        )
        self.biases = torch.nn.ParameterList()
        self.norms = torch.nn.ParameterList()
        self.weights: list[torch.Tensor] = []
        for layer in network.encoder.layer:
            own = layer.attention.self
            self.weights.append(
                weight(torch.cat([own.query.weight * scale, own.key.weight, own.value.weight]))
            )
            self.biases.append(bf16(torch.cat([own.query.bias * scale, own.key.bias, own.value.bias])))
            for dense in (layer.attention.output.dense, layer.intermediate.dense, layer.output.dense):
                self.weights.append(weight(dense.weight))
                self.biases.append(bf16(dense.bias))
            for norm in (layer.attention.output.LayerNorm, layer.output.LayerNorm):
                self.norms.extend([bf16(norm.weight), bf16(norm.bias)])

    def _linear(self, x: torch.Tensor, index: int, gelu: bool = False) -> torch.Tensor:
        weight, bias = self.weights[index], self.biases[index]
        if self.onednn:
            return torch.ops.mkldnn._linear_pointwise(
                x, weight, bias, *(("gelu", [], "none") if gelu else ("none", [], ""))
            )
        out = F.linear(x, weight, bias)
        return F.gelu(out) if gelu else out

    def _attention(self, qkv: torch.Tensor, groups: list[tuple[int, int, int]]) -> torch.Tensor:
        """Softmax attention of each group of ``count`` sequences of ``length`` tokens from ``start``."""
        hidden = qkv.shape[1] // 3
        out = qkv.new_empty((qkv.shape[0], hidden))
        for start, count, length in groups:
            stop = start + count * length
            q, k, v = qkv[start:stop].view(count, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
            scores = torch.softmax(torch.matmul(q, k.transpose(-1, -2)), dim=-1, dtype=torch.float32)
            context = torch.matmul(scores.to(qkv.dtype), v)  # (count, heads, length, head size)
            out[start:stop] = context.transpose(1, 2).reshape(stop - start, hidden)
        return out

    def forward(self, ids: list[list[int]]) -> torch.Tensor:
        """Mean-pooled float32 embeddings of ``ids`` (token ids per text, sorted by length), (n, hidden)."""
        lengths = np.array([len(x) for x in ids])
        flat = torch.from_numpy(np.concatenate([np.asarray(x, dtype=np.int64) for x in ids]))
        positions = torch.from_numpy(np.concatenate([np.arange(n) for n in lengths]))
        edges = np.flatnonzero(np.diff(lengths)) + 1  # where the length changes
        counts = np.diff(np.concatenate([[0], edges, [len(ids)]]))
        widths = lengths[np.concatenate([[0], edges])]
        starts = np.concatenate([[0], np.cumsum(counts * widths)[:-1]])
        groups = [(int(s), int(c), int(w)) for s, c, w in zip(starts, counts, widths, strict=True)]

        x = self.word[flat] + self.position[positions] + self.token_type
        size = (x.shape[1],)
        x = F.layer_norm(x, size, self.norm[0], self.norm[1], self.eps)
        for at in range(0, len(self.weights), 4):  # a layer's four products, and its two norms' four
            context = self._attention(self._linear(x, at), groups)
            x = F.layer_norm(self._linear(context, at + 1) + x, size, *self.norms[at : at + 2], self.eps)
            up = self._linear(x, at + 2, gelu=True)
            x = F.layer_norm(self._linear(up, at + 3) + x, size, *self.norms[at + 2 : at + 4], self.eps)
        x = x.float()
        return torch.cat([x[s : s + c * w].view(c, w, -1).mean(dim=1) for s, c, w in groups])
