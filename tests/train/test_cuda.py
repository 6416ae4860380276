"""The CUDA path of the trainer and the GAN applications: each precision with and without channels_last,
exact resume, torch.compile, and GPU-trained runs that sample on the CPU.

Skipped where no CUDA device is present (CI has none); on a GPU machine: `pytest tests/train/test_cuda.py`.
"""
from __future__ import annotations

import math
import os

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS, before CUDA starts

import pytest
import torch
from safetensors.torch import load_file

from genlab.config import load_config
from genlab.models.guidance import Guidance
from genlab.train.loop import Trainer, train
from genlab.train.run import load_run

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

GAN_PRESETS = ["dcgan-mnist", "cgan-mnist", "sngan-fashion", "wgangp-fashion"]


def _cuda(overrides, *extra):
    """The tiny test config on the GPU, at a constant learning rate (the presets' decay is planned over
    their whole run, so runs of different lengths would follow different schedules)."""
    return [*overrides, "train.device=cuda", "train.lr_decay_epochs=0", *extra]


def _weights(run) -> dict[str, torch.Tensor]:
    return load_file(str(run.checkpoint / "model.safetensors"))


@pytest.fixture
def deterministic():
    """cuDNN and cuBLAS in their deterministic modes, so two runs of one config agree bit for bit."""
    old = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    torch.use_deterministic_algorithms(True, warn_only=True)
    yield
    torch.use_deterministic_algorithms(False)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = old


@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels_last"])
@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("preset", GAN_PRESETS)
def test_every_gan_preset_trains_on_cuda(preset, precision, channels_last, tiny_overrides, tmp_path):
    cfg = load_config(preset, _cuda(tiny_overrides, "train.steps=4", f"train.precision={precision}",
                                    f"train.channels_last={channels_last}", f"train.out={tmp_path}"))
    trainer = Trainer(cfg, progress=False)
    before = {k: v.detach().clone() for k, v in trainer.model.generator.state_dict().items()}
    conv = [m for m in trainer.model.discriminator.modules() if isinstance(m, torch.nn.Conv2d) and m.in_channels > 1][-1]
    with trainer._autocast():  # what the step's convolutions compute in
        y = conv(torch.randn(2, conv.in_channels, 8, 8, device="cuda"))
    assert y.dtype == {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    run = trainer.fit()
    assert run.summary["device"].startswith("cuda") and run.summary["precision"] == precision
    assert all(math.isfinite(v) for v in run.summary["final_losses"].values()), run.summary["final_losses"]
    after = trainer.model.generator.state_dict()
    assert all(v.dtype == torch.float32 for v in after.values() if v.is_floating_point())  # fp32 master weights
    moved = max((after[k].float() - before[k].float()).abs().max().item() for k in before if before[k].is_floating_point())
    assert moved > 0, "the generator did not change in 4 steps"
    if channels_last:  # (with spectral norm the stored weight is the parametrization's original)
        stored = conv.parametrizations.weight.original if hasattr(conv, "parametrizations") else conv.weight
        assert stored.is_contiguous(memory_format=torch.channels_last)
    if precision == "fp16":  # the gradient scaler's state travels with the checkpoint
        import json
        state = json.loads((run.checkpoint / "train_state.json").read_text())
        assert "_scaler" in state["optimizers"] and state["optimizers"]["_scaler"]["scale"] > 0


def test_resume_on_cuda_equals_the_straight_run(tiny_overrides, tmp_path, deterministic):
    """3 + 3 steps with a restart between them give the weights of 6 straight steps: the CUDA RNG state
    is saved and restored along with the CPU one (without it, the noise after the restart differs)."""
    over = _cuda(tiny_overrides, "train.precision=fp32")
    straight = train(load_config("dcgan-mnist", over + ["train.steps=6", f"train.out={tmp_path}/a"]), progress=False)
    first = train(load_config("dcgan-mnist", over + ["train.steps=3", f"train.out={tmp_path}/b"]), progress=False)
    resumed = train(load_config("dcgan-mnist", over + ["train.steps=6", f"train.out={tmp_path}/b"]),
                    resume=first.path, progress=False)
    a, b = _weights(straight), _weights(resumed)
    worst = max((a[k].float() - b[k].float()).abs().max().item() for k in a)
    assert worst <= 1e-6, f"resumed weights differ from the straight run's by up to {worst:g}"


def test_compiled_training_follows_eager(tiny_overrides, tmp_path, deterministic):
    """torch.compile changes how the step is computed, not what it computes: after 3 steps the compiled run's
    weights sit far closer to the eager run's than the eager run moved from its start. (Inductor's own
    channels_last layout choice broke G's backward on CUDA, pytorch/pytorch#171622: the trainer turns it off.)"""
    over = _cuda(tiny_overrides, "train.steps=3")
    start = Trainer(load_config("dcgan-mnist", over + [f"train.out={tmp_path}/s"]), progress=False)
    w0 = {k: v.cpu() for k, v in start.model.state_dict().items()}  # the seeded initial weights
    eager = train(load_config("dcgan-mnist", over + [f"train.out={tmp_path}/e"]), progress=False)
    compiled = train(load_config("dcgan-mnist", over + ["train.compile=true", f"train.out={tmp_path}/c"]),
                     progress=False)
    we, wc = _weights(eager), _weights(compiled)
    keys = [k for k in w0 if k.startswith("generator.") and w0[k].is_floating_point()]
    moved = max((we[k] - w0[k]).abs().max().item() for k in keys)
    apart = max((wc[k] - we[k]).abs().max().item() for k in keys)
    assert moved > 0 and apart < 0.05 * moved, (moved, apart)


def test_a_gpu_trained_run_samples_the_same_on_cpu(tiny_overrides, tmp_path):
    """A run trained on CUDA loads on a CPU-only machine; the same seeds give the same images there, with and
    without discriminator guidance (the latents are drawn on the CPU from each seed's generator)."""
    from genlab.apps.sample import sample_seeds

    run = train(load_config("cgan-mnist", _cuda(tiny_overrides, "train.steps=4", "train.precision=bf16",
                                                  "train.channels_last=true")), progress=False)
    seeds, labels = list(range(6)), [0, 1, 2, 3, 0, 1]
    for guidance in (None, Guidance(best_of=2, langevin_steps=3)):
        on_gpu = sample_seeds(load_run(run.path, device="cuda").model, seeds, labels, guidance=guidance)
        on_cpu = sample_seeds(load_run(run.path, device="cpu").model, seeds, labels, guidance=guidance)
        assert on_gpu.shape == on_cpu.shape == (6, 1, 28, 28)
        assert (on_gpu.cpu() - on_cpu).abs().max().item() < 2e-3, guidance


def test_gan_inversion_on_cuda():
    """Inverting an image the generator made itself, on the GPU, finds the latent that made it."""
    from genlab.models import GAN, GANConfig

    torch.manual_seed(0)
    gan = GAN(GANConfig(net="seed-dcgan", latent_dim=8, net_args={"width": 16}), img_channels=1,
              img_resolution=28).to("cuda")
    z_true = torch.randn(2, 8, generator=torch.Generator().manual_seed(1)).cuda()
    target = gan.generate(z_true)
    start_error = (gan.generate(torch.randn(2, 8, device="cuda")) - target).pow(2).mean().item()
    z = gan.encode(target, starts=2, steps=150)
    error = (gan.decode(z) - target).pow(2).mean().item()
    assert z.device.type == "cuda" and error < 0.01 * start_error, (error, start_error)
    assert (z - z_true).abs().max().item() < 0.15
