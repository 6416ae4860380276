"""genlab: deep generative models of images (GANs, VAEs, autoencoders) on PyTorch.

    import genlab
    cfg = genlab.load_config("seed-dcgan-mnist", ["train.steps=500"])
    run = genlab.train(cfg)
    images = genlab.load_run(run.path).sample(16)   # (16, 1, 28, 28) in [-1, 1]

The names below are imported on first use, so `import genlab` stays cheap.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "Config": "genlab.config", "load_config": "genlab.config", "preset_names": "genlab.config",
    "load_dataset": "genlab.data", "ImageDataset": "genlab.data",
    "GenlabError": "genlab.errors",
    "train": "genlab.apps.evaluate", "evaluate_run": "genlab.apps.evaluate", "evaluate_images": "genlab.apps.evaluate",
    "upscale_image": "genlab.apps.upscale", "upscale_paths": "genlab.apps.upscale",
    "generate_text": "genlab.apps.text", "generate_samples": "genlab.apps.text",
    "style_transfer": "genlab.apps.stylize", "stylize_file": "genlab.apps.stylize",
    "stylize_with_run": "genlab.apps.fast_stylize",
    "Run": "genlab.train.run", "build_model": "genlab.train.run", "load_run": "genlab.train.run",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'genlab' has no attribute '{name}'")


def __dir__():
    return __all__
