"""Evaluation of runs with named protocols, during training and after it (`genlab eval`)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from genlab.apps.sample import check_truncation
from genlab.config import Config
from genlab.errors import GenlabError
from genlab.io import write_json
from genlab.train.loop import train as train_loop
from genlab.train.checkpoint import resolve_checkpoint, run_dir_of
from genlab.train.run import Run, load_run, read_summary


def check_metric_names(metrics: str | list[str]) -> list[str]:
    """The protocol names in 'fid10k,elbo' (or a list), each checked, before any long work starts."""
    from genlab.metrics import parse_protocols
    from genlab.metrics.likelihood import LIKELIHOOD_PROTOCOLS

    names = list(dict.fromkeys(m.strip() for m in (metrics.split(",") if isinstance(metrics, str) else metrics)
                               if m.strip()))
    if not names:
        raise GenlabError(f"--metrics '{metrics if isinstance(metrics, str) else ','.join(metrics)}' names no "
                          "protocol; e.g. fid10k, kid10k, pr10k, elbo (see docs/metrics.md)")
    quality = [m for m in names if m not in LIKELIHOOD_PROTOCOLS]
    if quality:
        parse_protocols(quality)
    return names


def evaluate_run(path: str | os.PathLike, metrics: str | list[str], *, batch_size: int = 100, seed: int = 0,
                 device: str | torch.device = "cpu", resize: str = "legacy_tensorflow", n: int | None = None,
                 save: bool = True, backend: str = "torch", guidance=None, truncation: float | None = None,
                 hr: str | os.PathLike | None = None, lr: str | os.PathLike | None = None) -> dict:
    """Evaluate a run (its EMA weights when it has them) on its own dataset with named protocols;
    the results are stored under "metrics" in the run's summary.json.

    GAN runs can be sampled otherwise than from the plain prior: `guidance` (a models.guidance.Guidance)
    with the discriminator's help, `truncation` T by redrawing latent values beyond +-T (BigGAN). Those
    results say so ("sampler") and are stored apart, under "metrics_samplers" and the sampler's tag.

    Sample-quality protocols (fid10k, kid10k, pr10k, cls10k, ...) sample the model; likelihood and
    reconstruction protocols (elbo, nll5000, recon) run on the first `n` test images (all by default);
    paired protocols (psnr_y, ssim_y, kid_patches) upscale the test images of an SR run: sr-mini, or the
    HR folder `hr` (with its LR images from the folder `lr`, else their bicubic downscales); translation
    protocols (pairs500 for pix2pix; label_kept, cycle, translated500 for CycleGAN) run on the first `n` (500)
    test images.
    """
    from genlab.metrics.protocols import parse_protocols

    names = check_metric_names(metrics)
    if n is not None and n < 1:
        raise GenlabError(f"--n must be >= 1, got {n}")
    if batch_size < 1:
        raise GenlabError(f"--batch-size must be >= 1, got {batch_size}")
    protos = parse_protocols(names)  # one table: each name says how it is measured (its kind)
    likelihood = [p.name for p in protos if p.kind == "real"]
    quality = [p.name for p in protos if p.kind == "samples"]
    paired = [p.name for p in protos if p.kind == "paired"]
    audio = [p for p in protos if p.kind == "audio"]
    if (hr is not None or lr is not None) and not paired:
        raise GenlabError("--hr/--lr are the test images of the paired protocols (psnr_y, ssim_y, kid_patches)")
    if save:  # a damaged summary.json stops us before the work, not after it
        read_summary(run_dir_of(resolve_checkpoint(path)))
    run = load_run(path, device=device)
    data = run.config.data
    if _text_kinds(run, protos):
        from genlab.apps.text import evaluate_text

        start = time.perf_counter()
        results = evaluate_text(run, [p.name for p in protos], n=n, seed=seed)
        if save:
            store_metrics(run, results, seconds=time.perf_counter() - start, seed=seed)
        return results
    translation = _translation_kind(run, protos)
    if translation:
        if (guidance is not None and guidance.active) or truncation is not None:
            raise GenlabError(f"--truncation, --best-of and --langevin-steps sample a GAN; '{run.path}' is a "
                              f"{run.config.family} run")
        start = time.perf_counter()
        results = evaluate_translation(run, protos, n=n, device=device, resize=resize, backend=backend)
        if save:
            features = any(p.metric in ("pairs", "fid_kid") for p in protos)  # the Inception ones
            store_metrics(run, results, seconds=time.perf_counter() - start, backend=backend if features else None)
        return results
    _check_kinds(run, paired, quality + likelihood)
    if run.config.family == "enhance":
        raise GenlabError(f"'{run.path}' is a speech enhancement run; measure it with SI-SDR, PESQ and STOI: "
                          f"python benchmarks/enhance_eval.py --run {run.path}")
    if run.model.sample_rate and len(audio) < len(protos):
        from genlab.metrics.protocols import protocols_of_kind
        raise GenlabError(f"'{run.path}' is an audio run; measure it with {', '.join(protocols_of_kind('audio'))}")
    if audio and not run.model.sample_rate:
        raise GenlabError(f"{', '.join(p.name for p in audio)} measure audio generators; '{run.path}' is a "
                          f"{run.config.family} run")
    guided = guidance is not None and guidance.active
    check_truncation(truncation)
    tag = sampler_tag(guidance, truncation)
    custom = tag != "plain"  # sampled otherwise than from the plain prior: results stored apart
    if custom:
        what = "discriminator guidance" if guided else "truncation"
        if not hasattr(run.model, "guide"):
            raise GenlabError(f"{what} needs a GAN run; '{run.path}' is a {run.config.family} run")
        if likelihood:
            raise GenlabError(f"{what} changes sampling only; {', '.join(likelihood)} "
                              "measure the model itself: evaluate them without it")
    start = time.perf_counter()
    results: dict = {}
    if quality:
        from genlab.metrics import evaluate_model

        sampler = _GanSampler(run.model, guidance, truncation) if custom else run.model
        results.update(evaluate_model(sampler, data.name, quality, data_dir=data.data_dir, batch_size=batch_size,
                                      seed=seed, device=device, resize=resize, backend=backend))
    if likelihood:
        from genlab.data import load_dataset
        from genlab.metrics.likelihood import evaluate_likelihood

        test = load_dataset(data.name, "test" if data.name in ("mnist", "fashion-mnist") else "all",
                            data_dir=data.data_dir, path=data.path, resolution=data.resolution, channels=data.channels)
        images = test.images[:n] if n else test.images
        labels = (test.labels[:n] if n else test.labels) if test.labels is not None else None
        results.update(evaluate_likelihood(run.model, images, labels, likelihood, progress=True))
        results["likelihood_images"] = len(images)
    if paired:
        results.update(_evaluate_paired(run, paired, hr, lr))
    for p in audio:  # audio generators: the spoken-digit classifier's protocols
        results.update({f"{p.name}_{k}": v for k, v in p.run(run.model, n=n or p.num_fake, seed=seed,
                                                           batch_size=batch_size).items()})
    if custom:
        results = {"sampler": tag, **results}
    if save:
        store_metrics(run, results, seconds=time.perf_counter() - start, backend=backend if quality else None,
                      sampler=tag if custom else None, seed=seed if quality else None)
    return results


def _text_kinds(run: Run, protos) -> bool:
    """True for a language-model run asked for text protocols; GenlabError when runs and protocols do not fit."""
    from genlab.metrics.protocols import protocols_of_kind

    text = [p.name for p in protos if p.kind == "text"]
    others = [p.name for p in protos if p.kind != "text"]
    if run.model.modality == "text" and others:
        raise GenlabError(f"{', '.join(others)} measure image models; '{run.path}' is a language-model (lm) run: "
                          f"measure it with {', '.join(protocols_of_kind('text'))}")
    if run.model.modality != "text" and text:
        raise GenlabError(f"{', '.join(text)} measure language models; '{run.path}' is a {run.config.family} run "
                          "of images")
    return bool(text)


TRANSLATION_KINDS = ("paired_translation", "unpaired_translation")


def _translation_kind(run: Run, protos) -> str | None:
    """A translation run's protocol kind (pix2pix: paired, CycleGAN: unpaired), or None for other runs;
    GenlabError naming the protocols, the run's family and the protocols that apply when they do not fit."""
    from genlab.metrics.protocols import protocols_of_kind

    directions = getattr(run.model, "directions", None)  # translation families say which ways they go
    kind = None if directions is None else TRANSLATION_KINDS[len(directions) > 1]
    wrong = [p.name for p in protos if (p.kind != kind if kind else p.kind in TRANSLATION_KINDS)]
    if wrong:
        applies = ", ".join(protocols_of_kind(kind or _run_kind(run)))
        verb = "does" if len(wrong) == 1 else "do"
        raise GenlabError(f"{', '.join(wrong)} {verb} not apply to '{run.path}', a {run.config.family} run; "
                          f"measure it with {applies}")
    return kind


def _run_kind(run: Run) -> str:
    """The protocol kind that measures a run that does not translate (for error messages)."""
    if run.model.modality == "text":
        return "text"
    if run.model.sample_rate:
        return "audio"
    return "paired" if hasattr(run.model, "upscale") else "samples"


def evaluate_translation(run: Run, protos, *, n: int | None = None, device: str | torch.device = "cpu",
                         resize: str = "legacy_tensorflow", backend: str = "torch") -> dict:
    """A pix2pix or CycleGAN run's translation protocols (pairs500; label_kept, cycle, translated500) on the
    first `n` test images (each protocol's count by default): results keyed "<protocol>_<key>"."""
    from genlab.metrics import FeatureExtractor

    extractor = FeatureExtractor(resize, device=device, backend=backend)
    results: dict = {}
    for p in protos:
        out = p.run(run.model, run.config.data, n=n or p.num_real, extractor=extractor)
        results.update({f"{p.name}_{k}": v for k, v in out.items()})
    return results


def _check_kinds(run: Run, paired: list[str], others: list[str]) -> None:
    """Paired protocols measure image-to-image runs, the others generators and autoencoders."""
    from genlab.metrics.protocols import protocols_of_kind

    image_to_image = hasattr(run.model, "upscale")
    if paired and not image_to_image:
        raise GenlabError(f"{', '.join(paired)} compare an image-to-image model's outputs with targets; "
                          f"'{run.path}' is a {run.config.family} run")
    if others and not image_to_image and not hasattr(run.model, "sample"):
        raise GenlabError(f"{', '.join(others)} measure generators and autoencoders; '{run.path}' is a "
                          f"{run.config.family} run (style runs: benchmarks/fast_style.py)")
    if others and image_to_image:
        raise GenlabError(f"{', '.join(others)} measure generators; '{run.path}' is a {run.config.family} run: "
                          f"measure it with {', '.join(protocols_of_kind('paired'))}")


def _evaluate_paired(run: Run, names: list[str], hr, lr) -> dict:
    from genlab.apps.upscale import upscale_image
    from genlab.data.srmini import sr_test_pairs
    from genlab.metrics import evaluate_paired

    pairs = sr_test_pairs(run.model.scale, hr, lr)
    results = evaluate_paired(lambda image: upscale_image(run.model, image), pairs, names, progress=True)
    return {**results, "paired_set": str(hr) if hr is not None else "sr-mini", "paired_images": len(pairs)}


def sampler_tag(guidance=None, truncation: float | None = None) -> str:
    """'plain', or what changes the sampling: 'best-of-2+ld40x0.05', 'truncation-1.5', or both joined."""
    parts = [guidance.describe()] if guidance is not None and guidance.active else []
    if truncation is not None:
        parts.append(f"truncation-{truncation:g}")
    return "+".join(parts) or "plain"


class _GanSampler:
    """A GAN sampled with guidance and/or truncation: .sample and .num_classes, as evaluate_model wants."""

    def __init__(self, gan, guidance, truncation):
        self.gan, self.guidance, self.truncation = gan, guidance, truncation
        self.num_classes = gan.num_classes

    def sample(self, n: int, labels: torch.Tensor | None = None, generator: torch.Generator | None = None):
        return self.gan.sample(n, labels, generator, guidance=self.guidance, truncation=self.truncation)


def store_metrics(run: Run, results: dict, seconds: float | None = None, backend: str | None = None,
                  sampler: str | None = None, seed: int | None = None) -> None:
    """Merge results into the run's summary.json; a non-plain `sampler`'s go under metrics_samplers[sampler].
    `seed` is the generated samples' seed (of the latest evaluation)."""
    summary_file = Path(run.path) / "summary.json"
    summary = read_summary(run.path)
    if sampler is not None:
        summary.setdefault("metrics_samplers", {})[sampler] = {
            **results, "step": run.step, **({"seed": seed} if seed is not None else {}),
            **({"seconds": round(seconds, 1)} if seconds is not None else {})}
        write_json(summary_file, summary)
        return
    summary.setdefault("metrics", {}).update(results)
    summary["metrics_step"] = run.step
    if seed is not None:
        summary["metrics_seed"] = seed
    if backend is not None:
        summary["metrics_feature_backend"] = backend
    if seconds is not None:
        summary["metrics_seconds"] = round(seconds, 1)
    write_json(summary_file, summary)


def evaluate_images(real: str, fake: str, metrics: str | list[str], *, batch_size: int = 50,
                    device: str | torch.device = "cpu", resize: str = "legacy_tensorflow",
                    backend: str = "torch") -> dict:
    """Compare two image sets ("mnist:test", a folder, an .npz) with named protocols."""
    from genlab.metrics import evaluate_sets

    return evaluate_sets(real, fake, metrics, batch_size=batch_size, device=device, resize=resize,
                         backend=backend)


def make_evaluator(config: Config):
    """The loop's periodic evaluation (train.eval_every_steps, train.eval_metrics), or None."""
    t = config.train
    if not (t.eval_every_steps and t.eval_metrics):
        return None
    from genlab.metrics import evaluate_model, parse_protocols

    protos = parse_protocols(t.eval_metrics)  # fail on a bad name before training starts
    audio = [p for p in protos if p.kind == "audio"]  # audio generators: digits1k
    others = [p.name for p in protos if p.kind != "audio"]

    def evaluator(model, step: int) -> dict:
        device = next(model.parameters()).device
        results = {}
        for p in audio:
            results.update({f"{p.name}_{k}": v for k, v in p.run(model, n=p.num_fake, seed=t.seed).items()})
        if others:
            results.update(evaluate_model(model, config.data.name, others, data_dir=config.data.data_dir,
                                          seed=t.seed, device=device))
        return results

    return evaluator


def train(config: Config, *, resume=None, run_dir=None, progress: bool = True, stop=None, on_progress=None) -> Run:
    """Train a model from a config, evaluating it every train.eval_every_steps with train.eval_metrics.
    `resume` continues a run folder exactly; `run_dir` names the run folder (and continues it if it
    already has a checkpoint); `stop` (a threading.Event, set from any thread) ends it with a checkpoint
    saved; `on_progress` gets a dict after every step."""
    return train_loop(config, resume=resume, run_dir=run_dir, evaluator=make_evaluator(config), progress=progress,
                      stop=stop, on_progress=on_progress)
