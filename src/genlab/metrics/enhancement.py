"""Speech enhancement measures: SI-SDR (Le Roux et al. 2019) and its improvement over the noisy input, and
PESQ / STOI through the `pesq` and `pystoi` packages when they are installed (optional)."""
from __future__ import annotations

import torch

from genlab.models.losses import si_sdr  # the objective of the enhancers is the measure too

__all__ = ["si_sdr", "pesq_stoi"]


def pesq_stoi(estimate: torch.Tensor, reference: torch.Tensor, sample_rate: int = 16000) -> dict[str, float]:
    """Mean wide-band PESQ and STOI over clips (B, 1, T); a key is missing when its package is not installed
    (pip install pesq pystoi)."""
    out: dict[str, float] = {}
    est, ref = estimate[:, 0].double().numpy(), reference[:, 0].double().numpy()
    try:
        from pesq import pesq
        out["pesq"] = float(sum(pesq(sample_rate, r, e, "wb") for r, e in zip(ref, est)) / len(ref))
    except ImportError:
        pass
    try:
        from pystoi import stoi
        out["stoi"] = float(sum(stoi(r, e, sample_rate) for r, e in zip(ref, est)) / len(ref))
    except ImportError:
        pass
    return out
