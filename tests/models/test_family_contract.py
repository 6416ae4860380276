"""The family contract (models/family.py), checked on every family of FAMILIES at tiny widths through the
real Trainer: build, a few steps move every net, save -> load gives the same weights (EMA included) and
grid, resume is bitwise exact on the CPU, and sampling, guidance, inversion, encoding and likelihoods
leave the model as they found it (every submodule's train/eval mode, weights, buffers, gradients,
requires_grad flags, the global RNG)."""
import pytest
import torch
from safetensors.torch import load_file

from genlab.config import load_config
from genlab.models import FAMILIES
from genlab.models.family import Family
from genlab.models.guidance import Guidance
from genlab.train.loop import Trainer, train
from genlab.train.run import load_run

# case -> (preset, overrides that make it tiny); every family needs at least one case
CASES = {
    "gan": ("dcgan-mnist", ["model.net_args={width: 8}"]),  # EMA, BatchNorm in both nets, D features
    "gan-conditional": ("cgan-mnist", ["model.net_args={width: 8, spectral_norm: true}"]),
    "vae": ("cvae-mnist", ["model.net_args={width: 16, depth: 1}"]),
    "ae": ("dae-mnist", ["model.net_args={width: 8, hidden: 32}"]),
    # paired: 16 px patches of the tiny set, bicubic-x2 pairs; EDSR with EMA; then the GAN stage
    "sr": ("edsr-x2-photos", ["data.patch_size=16", "model.width=8", "model.depth=1", "model.ema=0.9"]),
    "sr-gan": ("srgan-x4-photos", ["data.patch_size=16", "model.width=8", "model.depth=1", "model.d_width=8",
                                   "model.perceptual_weight=0", "model.init_from=null"]),
    # paired translation: edge maps of the tiny set -> the set; U-Net with BatchNorm and dropout
    "pix2pix": ("pix2pix-edges-fashion", ["model.width=4", "model.depth=3", "model.d_width=4"]),
    # unpaired: the tiny set against itself as domain B, with a 3-image history that fills and then samples
    "cyclegan": ("cyclegan-mnist-digits", ["data.domain_b=npz:{tiny_npz}", "model.width=4", "model.depth=1",
                                           "model.d_width=4", "model.pool_size=3"]),
}


def test_every_family_has_a_case():
    assert {load_config(preset).family for preset, _ in CASES.values()} == set(FAMILIES)
    assert all(issubclass(cls, Family) for cls in FAMILIES.values())


def _config(case, tiny_npz, out, steps):
    preset, extra = CASES[case]
    return load_config(preset, [
        "data.name=npz", f"data.path={tiny_npz}", "train.batch_size=16", "train.epochs=null",
        f"train.steps={steps}", "train.log_every=1", "train.sample_every=100", "train.checkpoint_every=2",
        "train.n_samples=8", f"train.out={out}", "train.tensorboard=false", "train.lr_decay_epochs=0",
        *(e.replace("{tiny_npz}", str(tiny_npz)) for e in extra)])


@pytest.fixture(params=list(CASES))
def case(request):
    return request.param


def test_train_steps_move_every_net_and_save_load_round_trips(case, tiny_npz, tmp_path, one_thread):
    trainer = Trainer(_config(case, tiny_npz, tmp_path, 3), progress=False)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    run = trainer.fit()
    for name, net in trainer.model.trainable().items():
        changed = [k for k, v in net.state_dict().items() if not torch.equal(v, before[f"{name}.{k}"])]
        assert changed, f"{name} did not change"
    loaded = load_run(run.path)
    saved, reloaded = run.model.state_dict(), loaded.model.state_dict()
    assert saved.keys() == reloaded.keys()
    assert all(torch.equal(saved[k], reloaded[k]) for k in saved)
    if getattr(run.model, "ema", None) is not None:
        assert any(k.startswith("ema.") for k in saved)
    # the grid of a loaded run is the trained model's (from the EMA weights when there are some)
    assert torch.equal(loaded.model.preview(trainer.fixed), run.model.preview(trainer.fixed))


def test_resume_is_bitwise_exact(case, tiny_npz, tmp_path, one_thread):
    straight = train(_config(case, tiny_npz, tmp_path / "a", 4), progress=False)
    first = train(_config(case, tiny_npz, tmp_path / "b", 2), progress=False)
    resumed = train(_config(case, tiny_npz, tmp_path / "b", 4), resume=first.path, progress=False)
    a = load_file(str(straight.checkpoint / "model.safetensors"))
    b = load_file(str(resumed.checkpoint / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def _snapshot(model):
    return {"modes": {name: m.training for name, m in model.named_modules()},
            "state": {k: v.clone() for k, v in model.state_dict().items()},
            "requires_grad": {k: p.requires_grad for k, p in model.named_parameters()},
            "grads": {k: p.grad is None for k, p in model.named_parameters()},
            "rng": torch.get_rng_state()}


def _assert_unchanged(before, model, what):
    after = _snapshot(model)
    assert after["modes"] == before["modes"], f"{what} changed train/eval modes"
    assert after["requires_grad"] == before["requires_grad"], f"{what} changed requires_grad"
    assert after["grads"] == before["grads"], f"{what} left gradients behind"
    assert torch.equal(after["rng"], before["rng"]), f"{what} used the global RNG"
    for k, v in before["state"].items():
        assert torch.equal(after["state"][k], v), f"{what} changed {k}"


def _operations(model, images, labels):
    """Every read-only use the apps make of a family, each with explicit generators."""
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    if hasattr(model, "translate"):  # translation: the preview grid and translating in each direction
        batch = ({"a": images, "b": images.flip(-1)} if "b2a" in model.directions
                 else {"inputs": images, "targets": images.flip(-1)})
        ops = {"preview": lambda: model.preview(model.preview_inputs(batch, g()))}
        ops.update({d: (lambda d=d: model.translate(images, d)) for d in model.directions})
        return ops
    if hasattr(model, "upscale"):  # paired: the preview pairs and upscaling are all the apps use
        pairs = {"inputs": images[..., ::model.scale, ::model.scale], "targets": images}
        return {"preview": lambda: model.preview(model.preview_inputs(pairs, g())),
                "upscale": lambda: model.upscale(images)}
    n = images.shape[0]
    lab = labels if model.num_classes else None
    ops = {"preview": lambda: model.preview(model.preview_inputs({"images": images}, g())),
           "sample": lambda: model.sample(n, labels=lab, generator=g())}
    if hasattr(model, "guide"):
        ops["guided sample"] = lambda: model.sample(n, labels=lab, generator=g(),
                                                    guidance=Guidance(best_of=2, langevin_steps=2))
        ops["encode (inversion, D features)"] = lambda: model.encode(images, lab, starts=1, steps=2,
                                                                     feature_weight=1.0)
    else:
        ops["reconstruct"] = lambda: model.reconstruct(images, lab)
    if hasattr(model, "elbo"):
        ops["elbo"] = lambda: model.elbo(images, lab, generator=g())
        ops["log_likelihood"] = lambda: model.log_likelihood(images, k=4, labels=lab, chunk=2, generator=g())
    return ops


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_sampling_guidance_and_inversion_leave_the_model_as_found(case, mode, tiny_npz, tmp_path, one_thread):
    run = train(_config(case, tiny_npz, tmp_path, 2), progress=False)
    model = run.model.train(mode == "train")
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    labels = torch.arange(4) % 4
    for what, op in _operations(model, images, labels).items():
        before = _snapshot(model)
        out = op()
        assert torch.isfinite(torch.as_tensor(out)).all(), what
        _assert_unchanged(before, model, what)


def test_gan_encode_restores_the_discriminators_mode(tiny_npz, tmp_path, one_thread):
    """The known bug: inversion with D's features put D in eval mode and left it there."""
    model = train(_config("gan", tiny_npz, tmp_path, 1), progress=False).model.train()
    model.encode(torch.zeros(2, 1, 28, 28), starts=1, steps=1, feature_weight=1.0)
    assert model.discriminator.training and all(m.training for m in model.discriminator.modules())
    assert all(p.grad is None and p.requires_grad for p in model.discriminator.parameters())
