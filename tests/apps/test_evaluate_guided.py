"""`evaluate_run` with discriminator guidance: what it samples, and where its results go."""
import json

import torch

import genlab.metrics
from genlab.apps.evaluate import evaluate_run
from genlab.models.guidance import Guidance
from genlab.train.run import load_run


def test_guided_evaluation_samples_with_guidance_and_is_stored_apart(gan_run, monkeypatch):
    seen = {}

    def fake_evaluate_model(model, dataset_name, protocols, **kwargs):  # stands in for the Inception pass
        seen["images"] = model.sample(4, generator=torch.Generator().manual_seed(kwargs["seed"]))
        return {"fid1k": 12.5}

    monkeypatch.setattr(genlab.metrics, "evaluate_model", fake_evaluate_model)
    guidance = Guidance(best_of=2, langevin_steps=2)
    results = evaluate_run(gan_run, "fid1k", seed=7, guidance=guidance)
    assert results == {"sampler": "best-of-2+ld2x0.05", "fid1k": 12.5}

    gan = load_run(gan_run).model
    expected = gan.sample(4, generator=torch.Generator().manual_seed(7), guidance=guidance)
    assert torch.equal(seen["images"], expected)
    assert not torch.equal(expected, gan.sample(4, generator=torch.Generator().manual_seed(7)))

    summary = json.loads((gan_run / "summary.json").read_text())
    assert summary["metrics_guided"]["best-of-2+ld2x0.05"]["fid1k"] == 12.5
    assert "fid1k" not in summary.get("metrics", {})  # the plain results stay the plain model's
