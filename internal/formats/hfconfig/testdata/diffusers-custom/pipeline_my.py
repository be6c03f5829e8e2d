from typing import List, Optional, Union

import torch
from diffusers import DiffusionPipeline, ImagePipelineOutput


class MyTextToImagePipeline(DiffusionPipeline):
    def __init__(self, unet, scheduler, vae, text_encoder, tokenizer):
        super().__init__()
        self.register_modules(unet=unet, scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer)

    @torch.no_grad()
    def __call__(self, prompt: Union[str, List[str]], num_inference_steps: int = 50,
                 generator: Optional[torch.Generator] = None, output_type: str = "pil"):
        ids = self.tokenizer(prompt, padding="max_length", max_length=77, return_tensors="pt").input_ids
        cond = self.text_encoder(ids.to(self.device))[0]
        latents = torch.randn((cond.shape[0], 4, 64, 64), generator=generator, device=self.device)
        self.scheduler.set_timesteps(num_inference_steps)
        for t in self.progress_bar(self.scheduler.timesteps):
            noise = self.unet(latents, t, cond).sample
            latents = self.scheduler.step(noise, t, latents).prev_sample
        image = self.vae.decode(latents / self.vae.config.scaling_factor).sample
        image = (image / 2 + 0.5).clamp(0, 1).cpu().permute(0, 2, 3, 1).numpy()
        if output_type == "pil":
            image = self.numpy_to_pil(image)
        return ImagePipelineOutput(images=image)
