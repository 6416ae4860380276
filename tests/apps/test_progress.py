"""Progress and cancellation callbacks of the applications (what the studio and notebooks use)."""
import pytest
import torch

from genlab.apps.progress import Cancelled
from genlab.apps.restore import inpaint, make_mask, reconstruct
from genlab.apps.sample import sample_seeds
from genlab.train.run import load_run


def test_sampling_reports_each_batch_and_stops_when_cancelled(gan_run):
    model = load_run(gan_run).model
    seen = []
    images = sample_seeds(model, list(range(10)), batch_size=4, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 10), (4, 10), (8, 10), (10, 10)]
    # callbacks change nothing (the same batches without them: equal to the bit; other batch sizes may round
    # differently in the convolutions, so those are compared within float tolerance)
    assert torch.equal(images, sample_seeds(model, list(range(10)), batch_size=4))
    torch.testing.assert_close(images, sample_seeds(model, list(range(10)), batch_size=10), rtol=0, atol=1e-4)
    calls = []

    def cancel_after_first_batch():
        calls.append(1)
        return len(calls) > 1
    with pytest.raises(Cancelled, match="cancelled after 4 of 10"):
        sample_seeds(model, list(range(10)), batch_size=4, cancel=cancel_after_first_batch)


def test_restoration_reports_passes_and_can_be_cancelled(dae_run):
    model = load_run(dae_run).model
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    seen = []
    reconstruct(model, images, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 3)]
    passes = []
    known = make_mask("center", 3, 28, 28)
    inpaint(model, images, known, iterations=3, progress=lambda d, t: passes.append((d, t)))
    assert passes == [(0, 3), (1, 3), (2, 3), (3, 3)]
    with pytest.raises(Cancelled, match="cancelled after 0 of 5"):
        inpaint(model, images, known, iterations=5, cancel=lambda: True)
