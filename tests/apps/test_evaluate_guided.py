"""`evaluate_run` with discriminator guidance or truncation: what it samples, and where its results go."""
import json

import pytest
import torch

import genlab.metrics
from genlab.apps.evaluate import evaluate_run
from genlab.errors import GenlabError
from genlab.models.guidance import Guidance
from genlab.train.run import load_run


@pytest.fixture
def seen(monkeypatch):
    """What evaluate_run samples: a stand-in for the Inception pass records 4 images from the sampler."""
    seen = {}

    def fake_evaluate_model(model, dataset_name, protocols, **kwargs):
        seen["images"] = model.sample(4, generator=torch.Generator().manual_seed(kwargs["seed"]))
        return {"fid1k": 12.5}

    monkeypatch.setattr(genlab.metrics, "evaluate_model", fake_evaluate_model)
    return seen


def test_guided_evaluation_samples_with_guidance_and_is_stored_apart(gan_run, seen):
    guidance = Guidance(best_of=2, langevin_steps=2)
    results = evaluate_run(gan_run, "fid1k", seed=7, guidance=guidance)
    assert results == {"sampler": "best-of-2+ld2x0.05", "fid1k": 12.5}

    gan = load_run(gan_run).model
    expected = gan.sample(4, generator=torch.Generator().manual_seed(7), guidance=guidance)
    assert torch.equal(seen["images"], expected)
    assert not torch.equal(expected, gan.sample(4, generator=torch.Generator().manual_seed(7)))

    summary = json.loads((gan_run / "summary.json").read_text())
    assert summary["metrics_samplers"]["best-of-2+ld2x0.05"]["fid1k"] == 12.5
    assert "fid1k" not in summary.get("metrics", {})  # the plain results stay the plain model's


def test_truncated_evaluation_samples_truncated_latents_and_is_stored_apart(gan_run, seen):
    results = evaluate_run(gan_run, "fid1k", seed=3, truncation=0.5)
    assert results == {"sampler": "truncation-0.5", "fid1k": 12.5}
    gan = load_run(gan_run).model
    z = gan.prior(4, torch.Generator().manual_seed(3), truncation=0.5)
    assert z.abs().max() <= 0.5
    assert torch.equal(seen["images"], gan.generate(z))
    assert not torch.equal(seen["images"], gan.sample(4, generator=torch.Generator().manual_seed(3)))

    both = evaluate_run(gan_run, "fid1k", seed=3, truncation=0.5, guidance=Guidance(best_of=2))
    assert both["sampler"] == "best-of-2+truncation-0.5"
    summary = json.loads((gan_run / "summary.json").read_text())
    assert set(summary["metrics_samplers"]) >= {"truncation-0.5", "best-of-2+truncation-0.5"}
    assert summary["metrics_samplers"]["truncation-0.5"]["seed"] == 3
    assert "fid1k" not in summary.get("metrics", {})


def test_truncation_needs_a_gan_run_and_a_positive_threshold(gan_run, dae_run, seen):
    with pytest.raises(GenlabError, match="truncation must be > 0, got 0"):
        evaluate_run(gan_run, "fid1k", truncation=0)
    with pytest.raises(GenlabError, match="truncation needs a GAN run; .* is a ae run"):
        evaluate_run(dae_run, "fid1k", truncation=1.0)
