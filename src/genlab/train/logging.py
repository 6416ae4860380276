"""metrics.jsonl (one JSON object per logged step) and TensorBoard events when tensorboard is installed."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from genlab.io import write_text

log = logging.getLogger("genlab")


class MetricsLogger:
    def __init__(self, run_dir: Path, tensorboard: bool = True, resume_step: int | None = None):
        self.path = Path(run_dir) / "metrics.jsonl"
        if resume_step is not None and self.path.exists():
            # A resumed run continues from its checkpoint: drop lines logged after it (and a line a kill
            # left half-written), replacing the file in one step so a second crash loses nothing.
            kept = [json.dumps(r) for r in read_metrics(self.path) if r.get("step", 0) <= resume_step]
            write_text(self.path, "".join(line + "\n" for line in kept))
        self._file = open(self.path, "a", encoding="utf-8")
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
                self._tb = SummaryWriter(str(Path(run_dir) / "tensorboard"))
            except Exception:  # tensorboard is optional; its absence is not an error
                self._tb = None

    def log(self, record: dict) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, (int, float)):
                    self._tb.add_scalar(key, value, record["step"])

    def records(self) -> list[dict]:
        return read_metrics(self.path)

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def read_metrics(path: Path) -> list[dict]:
    """The records of a metrics.jsonl; lines that are not JSON objects (a write cut by a kill) are skipped."""
    if not Path(path).exists():
        return []
    records, bad = [], 0
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            bad += 1
    if bad:
        log.warning("%s: skipped %d damaged line(s) (a write cut short?)", path, bad)
    return records
