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
    # text: windows of 16 characters of the tiny text; GPT with dropout (the RNG must be restored on resume)
    "lm-gpt": ("gpt-shakespeare-char", ["data.name=text", "data.path={text}", "data.block_size=16",
                                        "model.net_args={n_layer: 1, n_head: 2, n_embd: 16, dropout: 0.1}",
                                        "model.warmup_steps=2", "model.preview_chars=20", "train.grad_clip=1.0"]),
    "lm-lstm": ("lstm-shakespeare-char", ["data.name=text", "data.path={text}", "data.block_size=16",
                                          "model.net_args={n_layer: 2, hidden: 16, n_embd: 8, dropout: 0.1}",
                                          "model.preview_chars=20"]),
    "textvae": ("textvae-shakespeare-char", ["data.name=text", "data.path={text}", "data.block_size=16",
                                             "model.hidden=16", "model.latent_dim=4", "model.n_embd=8",
                                             "model.kl_anneal_steps=3", "model.preview_chars=20"]),
    # audio: tiny_wavs (4 labelled tones), 1,024-sample clips, a WaveGAN of width 4, conditional, with EMA
    "audio-gan": ("wavegan-digits", ["data.name=audio-folder", "data.path={wavs}", "data.audio_length=1024",
                                     "model.net_args={width: 4}", "model.ema_half_life_kimg=1"]),
    # SpecGAN in the same family: 32 x 32 spectrograms of the 1,024-sample tones (statistics fit on them), 2 GL iterations
    "audio-specgan": ("specgan-digits", ["data.name=audio-folder", "data.path={wavs}", "data.audio_length=1024",
                                         "model.net_args={width: 4}", "model.griffin_lim_iters=2"]),
    # the mel VAE: 32 x 32 log-mel images of the tones, a conv VAE of width 4
    "audio-mel-vae": ("vae-mel-digits", ["data.name=audio-folder", "data.path={wavs}", "data.audio_length=1024",
                                         "model.n_mels=32", "model.n_fft=128", "model.hop=32",
                                         "model.net_args={width: 4, hidden: 16}", "model.griffin_lim_iters=2",
                                         "train.epochs=null"]),
    # speech enhancement: the same tones mixed with white/pink/babble noise, a mask U-Net of width 2
    "audio-enhance": ("enhance-digits", ["data.name=audio-folder", "data.path={wavs}", "data.audio_length=1024",
                                         "model.net_args={width: 2}"]),
    # the same on windows of 2.5 tones joined with random pauses, cut at random offsets (data.recording_length)
    "audio-enhance-long": ("enhance-digits-long", ["data.name=audio-folder", "data.path={wavs}",
                                                   "data.audio_length=1024", "data.recording_length=2560",
                                                   "model.net_args={width: 2}"]),
    # style transfer: RGB 16 px patches, a seeded random VGG19 (offline), $STYLE a small PNG (see _config)
    "style-johnson": ("fast-style-starry-night", ["data.channels=3", "data.patch_size=16", "model.width=4",
                                                  "model.depth=1", "model.vgg_weights=random", "model.style=$STYLE",
                                                  "model.style_size=32"]),
    "style-adain": ("adain-photos", ["data.channels=3", "data.patch_size=16", "model.width=4",
                                     "model.vgg_weights=random", "model.styles=[$STYLE]", "model.style_size=32"]),
    # paired translation: edge maps of the tiny set -> the set; U-Net with BatchNorm and dropout
    "pix2pix": ("pix2pix-edges-fashion", ["model.width=4", "model.depth=3", "model.d_width=4"]),
    # unpaired: the tiny set against itself as domain B, with a 3-image history that fills and then samples
    "cyclegan": ("cyclegan-mnist-digits", ["data.domain_b=npz:{tiny_npz}", "model.width=4", "model.depth=1",
                                           "model.d_width=4", "model.pool_size=3"]),
}


def test_every_family_has_a_case():
    assert {load_config(preset).family for preset, _ in CASES.values()} == set(FAMILIES)
    assert all(issubclass(cls, Family) for cls in FAMILIES.values())


@pytest.fixture(autouse=True)
def _text_beside_the_npz(tiny_npz, tiny_text):
    """The lm cases read the tiny text, written in the same folder as the tiny npz."""
    assert tiny_text.parent == tiny_npz.parent
def _style_png(folder):
    """A 40x48 striped RGB 'painting' for the style cases."""
    from PIL import Image
    path = folder / "style.png"
    if not path.exists():
        stripes = torch.zeros(40, 48, 3, dtype=torch.uint8)
        stripes[:, ::4, 0], stripes[::6, :, 2] = 255, 200
        Image.fromarray(stripes.numpy()).save(path)
    return path


def _config(case, tiny_npz, out, steps):
    preset, extra = CASES[case]
    extra = [e.replace("{text}", str(tiny_npz.parent / "sonnet.txt")) for e in extra]
    extra = [e.replace("$STYLE", str(_style_png(tiny_npz.parent))) for e in extra]
    return load_config(preset, [
        "data.name=npz", f"data.path={tiny_npz}", "train.batch_size=16", "train.epochs=null",
        f"train.steps={steps}", "train.log_every=1", "train.sample_every=100", "train.checkpoint_every=2",
        "train.n_samples=8", f"train.out={out}", "train.tensorboard=false", "train.lr_decay_epochs=0",
        "train.minutes=null", *[e.replace("{wavs}", str(tiny_npz.parent / "wavs")).replace("{tiny_npz}", str(tiny_npz))
                                for e in extra]])


@pytest.fixture(params=list(CASES))
def case(request):
    if request.param.startswith("audio"):
        request.getfixturevalue("tiny_wavs")  # written beside tiny_npz, where _config looks for it
    return request.param


def test_train_steps_move_every_net_and_save_load_round_trips(case, tiny_npz, tmp_path, one_thread):
    trainer = Trainer(_config(case, tiny_npz, tmp_path, 3), progress=False)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    run = trainer.fit()
    where = {id(m): n for n, m in trainer.model.named_modules()}  # a net may sit below the top (mel VAE: vae.encoder)
    for name, net in trainer.model.trainable().items():
        changed = [k for k, v in net.state_dict().items() if not torch.equal(v, before[f"{where[id(net)]}.{k}"])]
        assert changed, f"{name} did not change"
    loaded = load_run(run.path)
    saved, reloaded = run.model.state_dict(), loaded.model.state_dict()
    assert saved.keys() == reloaded.keys()
    assert all(torch.equal(saved[k], reloaded[k]) for k in saved)
    if getattr(run.model, "ema", None) is not None:
        assert any(k.startswith("ema.") for k in saved)
    # the grid (text for language models) of a loaded run is the trained model's (EMA weights when there are some)
    a, b = loaded.model.preview(trainer.fixed), run.model.preview(trainer.fixed)
    assert a == b if isinstance(a, str) else torch.equal(a, b)


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
    if model.modality == "text" and hasattr(model, "interpolate"):  # a text VAE
        tokens = model.encode(model.vocab * 3)
        x = tokens[:32].view(2, 16)
        return {"preview": lambda: len(model.preview(model.preview_inputs({"tokens": tokens[None, :17]}, g()))),
                "generate": lambda: [model.encode(c) for c in model.stream(model.vocab[:3], 10, seed=1)],
                "elbo": lambda: model.elbo(x, generator=g()),
                "log_likelihood": lambda: model.log_likelihood(x, k=3, generator=g()),
                "interpolate": lambda: len("".join(model.interpolate(model.vocab[:4], model.vocab[-4:], 3)))}
    if model.modality == "text":  # the run's preview text, generation with and without the cache, val loss
        from genlab.metrics.text import val_loss
        tokens = model.encode(model.vocab * 3)
        return {"preview": lambda: len(model.preview(model.preview_inputs({"tokens": tokens[None, :17]}, g()))),
                "generate": lambda: model.generate_tokens(tokens[None, :5], 30, generator=g()),
                "generate without cache": lambda: model.generate_tokens(tokens[None, :5], 30, generator=g(),
                                                                         use_cache=False),
                "val loss": lambda: val_loss(model, tokens, batch_size=2)["val_nats_per_char"]}
    if hasattr(model, "stylize"):  # style transfer: the preview and stylizing RGB images of any size
        rgb = images.expand(-1, 3, -1, -1)[..., :27, :25]
        style = rgb[:1].flip(-1) if model.method == "adain" else None
        return {"preview": lambda: model.preview(model.preview_inputs({"images": rgb[..., :16, :16]}, g())),
                "stylize": lambda: model.stylize(rgb, style)}
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
    if hasattr(model, "enhance"):  # speech enhancement: the grid and enhancing clips of any length
        pairs = {"inputs": images.reshape(n, 1, -1) * 0.5, "targets": torch.zeros(n, 1, images[0].numel())}
        return {"preview": lambda: model.preview(model.preview_inputs(pairs, g())),
                "enhance": lambda: model.enhance(pairs["inputs"])}
    if model.sample_rate:  # audio: the grid (spectrograms and its clips) and sampling are all the apps use
        fixed = lambda: model.preview_inputs({"audio": torch.zeros(n, 1, 1024)}, g())  # noqa: E731
        return {"preview": lambda: model.preview(fixed()), "preview_audio": lambda: model.preview_audio(fixed()),
                "sample": lambda: model.sample(n, labels=lab, generator=g())}
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
        if what.startswith("generate"):  # a stream: run it to the end
            out = torch.cat(list(out))
        assert torch.isfinite(torch.as_tensor(out)).all(), what
        _assert_unchanged(before, model, what)


def test_gan_encode_restores_the_discriminators_mode(tiny_npz, tmp_path, one_thread):
    """The known bug: inversion with D's features put D in eval mode and left it there."""
    model = train(_config("gan", tiny_npz, tmp_path, 1), progress=False).model.train()
    model.encode(torch.zeros(2, 1, 28, 28), starts=1, steps=1, feature_weight=1.0)
    assert model.discriminator.training and all(m.training for m in model.discriminator.modules())
    assert all(p.grad is None and p.requires_grad for p in model.discriminator.parameters())
