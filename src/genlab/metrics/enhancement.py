"""Speech enhancement measures: SI-SDR (Le Roux et al. 2019) and its improvement over the noisy input, and
PESQ / STOI through the `pesq` and `pystoi` packages when they are installed (optional)."""
from __future__ import annotations

import torch

from genlab.models.losses import si_sdr  # the objective of the enhancers is the measure too

__all__ = ["si_sdr", "pesq_stoi"]


def pesq_stoi(estimate: torch.Tensor, reference: torch.Tensor, sample_rate: int = 16000) -> dict[str, float]:
    """Mean wide-band PESQ (ITU-T P.862.2) and STOI (Taal et al. 2011) over clips (B, 1, T); a key is missing
    when its package is not installed (pip install pesq pystoi). Clips PESQ cannot score (no utterance
    found) are left out of its mean, and counted in `pesq_skipped`."""
    out: dict[str, float] = {}
    est, ref = estimate[:, 0].double().numpy(), reference[:, 0].double().numpy()
    try:
        from pesq import PesqError, pesq
    except ImportError:
        pass
    else:
        scores = [pesq(sample_rate, r, e, "wb", on_error=PesqError.RETURN_VALUES) for r, e in zip(ref, est)]
        good = [s for s in scores if s >= 0]
        if good:
            out["pesq"] = float(sum(good) / len(good))
        out["pesq_skipped"] = float(len(scores) - len(good))
    try:
        from pystoi import stoi
    except ImportError:
        pass
    else:
        out["stoi"] = float(sum(stoi(r, e, sample_rate) for r, e in zip(ref, est)) / len(ref))
    return out
