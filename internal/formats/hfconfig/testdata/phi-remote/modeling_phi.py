# coding=utf-8
# A Phi-style causal language model: rotary attention and an MLP computed
# in parallel from one layer norm. Loaded with trust_remote_code=True.

import importlib.util
import math
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from transformers import PretrainedConfig, PreTrainedModel
from transformers.activations import ACT2FN
from transformers.modeling_outputs import CausalLMOutputWithPast

from .configuration_phi import PhiConfig

if importlib.util.find_spec("flash_attn") is not None:
    from flash_attn.flash_attn_interface import flash_attn_varlen_qkvpacked_func
else:
    flash_attn_varlen_qkvpacked_func = None


@dataclass
class InferenceParams:
    """Key/value cache shared by the layers during generation."""

    max_seqlen: int
    max_batch_size: int
    seqlen_offset: int = 0
    batch_size_offset: int = 0
    key_value_memory_dict: Dict[str, Any] = field(default_factory=dict)
    lengths_per_sample: torch.Tensor = None


class RotaryEmbedding(nn.Module):
    def __init__(self, dim: int, base: int = 10000, device: Optional[str] = None) -> None:
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, device=device, dtype=torch.float32) / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, qkv: torch.Tensor, seqlen_offset: int = 0) -> torch.Tensor:
        seqlen = qkv.shape[1]
        t = torch.arange(seqlen_offset, seqlen_offset + seqlen, device=qkv.device, dtype=torch.float32)
        freqs = torch.outer(t, self.inv_freq)
        cos, sin = torch.cos(freqs), torch.sin(freqs)
        q, k, v = qkv.unbind(2)
        half = q.shape[-1] // 2
        rot = lambda x: torch.cat([x[..., :half] * cos[:, None] - x[..., half:] * sin[:, None],
                                   x[..., half:] * cos[:, None] + x[..., :half] * sin[:, None]], dim=-1)
        return torch.stack([rot(q), rot(k), v], dim=2)


class MLP(nn.Module):
    def __init__(self, config: PretrainedConfig) -> None:
        super().__init__()
        n_inner = getattr(config, "n_inner", None) or 4 * config.n_embd
        self.fc1 = nn.Linear(config.n_embd, n_inner)
        self.fc2 = nn.Linear(n_inner, config.n_embd)
        self.act = ACT2FN[config.activation_function]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(hidden_states)))


class MHA(nn.Module):
    def __init__(self, config: PretrainedConfig, layer_idx: Optional[int] = None) -> None:
        super().__init__()
        self.head_dim = config.n_embd // config.n_head
        self.n_head = config.n_head
        self.rotary_emb = RotaryEmbedding(config.rotary_dim)
        self.Wqkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.out_proj = nn.Linear(config.n_embd, config.n_embd)
        self.layer_idx = layer_idx
        self.softmax_scale = 1.0 / math.sqrt(self.head_dim)

    def forward(self, x: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        qkv = self.Wqkv(x).view(x.shape[0], x.shape[1], 3, self.n_head, self.head_dim)
        qkv = self.rotary_emb(qkv)
        q, k, v = qkv.unbind(dim=2)
        scores = torch.einsum("bthd,bshd->bhts", q, k) * self.softmax_scale
        causal = torch.triu(torch.full((x.shape[1], x.shape[1]), -10000.0, device=x.device), 1)
        attn = torch.softmax(scores + causal, dim=-1)
        out = torch.einsum("bhts,bshd->bthd", attn, v)
        return self.out_proj(out.reshape(x.shape[0], x.shape[1], -1))


class ParallelBlock(nn.Module):
    def __init__(self, config: PretrainedConfig, block_idx: Optional[int] = None) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.resid_dropout = nn.Dropout(config.resid_pdrop)
        self.mixer = MHA(config, layer_idx=block_idx)
        self.mlp = MLP(config)

    def forward(self, hidden_states: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        residual = hidden_states
        hidden_states = self.ln(hidden_states)
        attn_outputs = self.mixer(hidden_states, attention_mask=attention_mask)
        feed_forward = self.resid_dropout(self.mlp(hidden_states))
        return self.resid_dropout(attn_outputs) + feed_forward + residual


class PhiPreTrainedModel(PreTrainedModel):
    config_class = PhiConfig
    base_model_prefix = "transformer"
    supports_gradient_checkpointing = False
    _no_split_modules = ["ParallelBlock"]

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Linear,)):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)


class PhiForCausalLM(PhiPreTrainedModel):
    def __init__(self, config: PhiConfig) -> None:
        super().__init__(config)
        self.embd = nn.Embedding(config.vocab_size, config.n_embd)
        self.h = nn.ModuleList([ParallelBlock(config, block_idx=i) for i in range(config.n_layer)])
        self.ln = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size)
        self.post_init()

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: Optional[torch.BoolTensor] = None,
        labels: Optional[torch.LongTensor] = None,
        **kwargs,
    ) -> CausalLMOutputWithPast:
        hidden_states = self.embd(input_ids)
        for layer in self.h:
            hidden_states = layer(hidden_states, attention_mask=attention_mask)
        logits = self.lm_head(self.ln(hidden_states)).to(torch.float32)
        loss = None
        if labels is not None:
            shift_logits = logits[..., :-1, :].contiguous()
            shift_labels = labels[..., 1:].contiguous()
            loss = nn.CrossEntropyLoss()(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))
        return CausalLMOutputWithPast(loss=loss, logits=logits)
