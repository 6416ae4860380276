"""Data parallelism under torchrun with 2 CPU processes (gloo): identical weights on every rank,
equivalence with one process at the same global batch, and restart after a killed rank."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

WORKER = Path(__file__).with_name("ddp_worker.py")


def torchrun(nproc, out, *args, restarts=0):
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--standalone",
           f"--max-restarts={restarts}", "--monitor-interval=0.2", str(WORKER), str(out), *map(str, args)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    import numpy as np
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("data") / "d.npz"
    np.savez(path, x=rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8))
    return path


def test_two_ranks_match_one_process_and_each_other(tmp_path, npz):
    torchrun(1, tmp_path / "one", "toy", 6, 16, npz)
    torchrun(2, tmp_path / "two", "toy", 6, 16, npz)
    one = load_file(str(tmp_path / "one" / "rank0.safetensors"))
    r0, r1 = (load_file(str(tmp_path / "two" / f"rank{r}.safetensors")) for r in (0, 1))
    for k in one:
        assert torch.equal(r0[k], r1[k]), k                       # every rank holds the same weights
        assert torch.allclose(one[k], r0[k], atol=1e-6, rtol=1e-5), k  # 2 x B/2 == 1 x B
    summary = json.loads((tmp_path / "two" / "run" / "summary.json").read_text())
    assert summary["images_seen"] == 6 * 16 and summary["step"] == 6


def test_gan_ranks_identical_and_restart_after_killed_rank_is_exact(tmp_path, npz):
    torchrun(2, tmp_path / "straight", "gan", 6, 8, npz)
    a0, a1 = (load_file(str(tmp_path / "straight" / f"rank{r}.safetensors")) for r in (0, 1))
    assert all(torch.equal(a0[k], a1[k]) for k in a0)  # weights and BatchNorm buffers
    # rank 1 is SIGKILLed after step 3; torchrun restarts the group, which resumes from step 2
    result = torchrun(2, tmp_path / "killed", "gan", 6, 8, npz, 3, restarts=1)
    b0 = load_file(str(tmp_path / "killed" / "rank0.safetensors"))
    for k in a0:
        assert torch.equal(a0[k], b0[k]), k
    log = [json.loads(line) for line in (tmp_path / "killed" / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5, 6]
