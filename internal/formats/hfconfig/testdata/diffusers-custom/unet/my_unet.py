import torch
from torch import nn

from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from diffusers.models.unets.unet_2d_condition import UNet2DConditionOutput


class MyUNetModel(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(self, in_channels: int = 4, out_channels: int = 4, hidden: int = 320, cross_dim: int = 768):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, hidden, 3, padding=1)
        self.time = nn.Sequential(nn.Linear(1, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.cross = nn.Linear(cross_dim, hidden)
        self.conv_out = nn.Conv2d(hidden, out_channels, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, return_dict: bool = True):
        t = torch.as_tensor(timestep, dtype=sample.dtype, device=sample.device).reshape(-1, 1)
        h = self.conv_in(sample) + self.time(t)[:, :, None, None]
        h = h + self.cross(encoder_hidden_states.mean(1))[:, :, None, None]
        out = self.conv_out(torch.nn.functional.silu(h))
        if not return_dict:
            return (out,)
        return UNet2DConditionOutput(sample=out)
