"""One registry of protocols: sample-quality, real-image and paired protocols side by side, by kind."""
import pytest
import torch

from genlab.errors import GenlabError
from genlab.metrics import PROTOCOLS, Protocol, evaluate_model, evaluate_paired, protocols_of_kind
from genlab.metrics.likelihood import LIKELIHOOD_PROTOCOLS


def test_every_protocol_name_is_kept_with_its_kind():
    assert set(protocols_of_kind("samples")) == {"fid10k", "fid50k_full", "kid10k", "pr10k", "cls10k", "fid2k", "fid1k"}
    assert list(protocols_of_kind("real")) == ["elbo", "nll5000", "recon"] == list(LIKELIHOOD_PROTOCOLS)
    assert all(p.run is not None for p in protocols_of_kind("real").values())
    assert all(p.run is None for p in protocols_of_kind("samples").values())


def test_sample_evaluation_refuses_other_kinds_by_name():
    with pytest.raises(GenlabError, match="'elbo' is a 'real' protocol; this evaluation takes 'samples' "
                                          "protocols: fid10k, fid50k_full"):
        evaluate_model(object(), "mnist", "fid10k,elbo")


def test_a_paired_protocol_registers_beside_fid10k_and_runs_on_pairs(monkeypatch):
    def mean_abs_error(outputs, targets, *, crop):
        errors = [(o.float() - t.float()).abs().mean() for o, t in zip(outputs, targets)]
        return {"mae_tiny": float(torch.stack(errors).mean()), "crop": crop}

    monkeypatch.setitem(PROTOCOLS, "mae_tiny", Protocol("mae_tiny", "mae", 0, None, "test", "test only",
                                                        "paired", mean_abs_error))
    pairs = [{"inputs": torch.zeros(1, 2, 2, dtype=torch.uint8), "targets": torch.full((1, 4, 4), 5, dtype=torch.uint8)}] * 2
    upscale = lambda x: x.repeat_interleave(2, -1).repeat_interleave(2, -2)  # noqa: E731
    assert evaluate_paired(upscale, pairs, "mae_tiny") == {"mae_tiny": 5.0, "crop": 2}
    assert "mae_tiny" in protocols_of_kind("paired")
    with pytest.raises(GenlabError, match="'fid10k' is a 'samples' protocol"):
        evaluate_paired(upscale, pairs, "mae_tiny,fid10k")
