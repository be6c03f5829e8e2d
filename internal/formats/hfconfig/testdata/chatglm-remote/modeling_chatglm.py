""" PyTorch ChatGLM-style model, loaded with trust_remote_code=True. """

import math
import sys
import warnings
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import CrossEntropyLoss
from transformers.modeling_outputs import BaseModelOutputWithPast, CausalLMOutputWithPast
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import logging

from .configuration_chatglm import ChatGLMConfig

# flags required to enable jit fusion kernels
if sys.platform != "darwin":
    torch._C._jit_set_profiling_mode(False)
    torch._C._jit_set_profiling_executor(False)

logger = logging.get_logger(__name__)


class RMSNorm(torch.nn.Module):
    def __init__(self, normalized_shape, eps=1e-5, device=None, dtype=None, **kwargs):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(normalized_shape, device=device, dtype=dtype))
        self.eps = eps

    def forward(self, hidden_states: torch.Tensor):
        input_dtype = hidden_states.dtype
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.eps)
        return (self.weight * hidden_states).to(input_dtype)


class MLP(torch.nn.Module):
    def __init__(self, config: ChatGLMConfig, device=None):
        super().__init__()
        self.dense_h_to_4h = nn.Linear(config.hidden_size, config.ffn_hidden_size * 2, bias=False, device=device)
        self.dense_4h_to_h = nn.Linear(config.ffn_hidden_size, config.hidden_size, bias=False, device=device)

    def forward(self, hidden_states):
        x = torch.chunk(self.dense_h_to_4h(hidden_states), 2, dim=-1)
        return self.dense_4h_to_h(F.silu(x[0]) * x[1])


class ChatGLMPreTrainedModel(PreTrainedModel):
    is_parallelizable = False
    supports_gradient_checkpointing = True
    config_class = ChatGLMConfig
    base_model_prefix = "transformer"
    _no_split_modules = ["GLMBlock"]

    def _init_weights(self, module: nn.Module):
        return


class ChatGLMForConditionalGeneration(ChatGLMPreTrainedModel):
    def __init__(self, config: ChatGLMConfig, empty_init=True, device=None):
        super().__init__(config)
        self.max_sequence_length = config.max_length if hasattr(config, "max_length") else config.seq_length
        self.embedding = nn.Embedding(config.padded_vocab_size, config.hidden_size, device=device)
        self.mlp = MLP(config, device=device)
        self.final_layernorm = RMSNorm(config.hidden_size, eps=config.layernorm_epsilon, device=device)
        self.output_layer = nn.Linear(config.hidden_size, config.padded_vocab_size, bias=False, device=device)
        self.config = config

    def forward(self, input_ids: Optional[torch.Tensor] = None, labels: Optional[torch.Tensor] = None, **kwargs):
        hidden_states = self.final_layernorm(self.mlp(self.embedding(input_ids)))
        lm_logits = self.output_layer(hidden_states).float()
        loss = None
        if labels is not None:
            loss_fct = CrossEntropyLoss(ignore_index=-100)
            loss = loss_fct(lm_logits[..., :-1, :].reshape(-1, lm_logits.size(-1)), labels[..., 1:].reshape(-1))
        return CausalLMOutputWithPast(loss=loss, logits=lm_logits)

    def quantize(self, bits: int, empty_init=False, device=None, **kwargs):
        if bits == 0:
            return
        warnings.warn("quantization needs the cpm_kernels package")
        return self


class ChatGLMForSequenceClassification(ChatGLMPreTrainedModel):
    def __init__(self, config: ChatGLMConfig, empty_init=True, device=None):
        super().__init__(config)
        self.classifier_head = nn.Linear(config.hidden_size, config.num_labels, bias=True, dtype=torch.half)

    def forward(self, hidden_states: torch.Tensor):
        return self.classifier_head(hidden_states[:, -1])
