"""Training as an application: a config from a preset (or a run to resume) and overrides, and a
training job that runs in a background thread, reports its progress and stops on request with its
checkpoint kept (what the studio's train page drives; usable from a notebook too)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from genlab.config import Config, apply_overrides, config_from_dict, load_config
from genlab.errors import CheckpointError, GenlabError, describe_error

log = logging.getLogger("genlab")

LIMIT_KEYS = ("steps", "epochs", "minutes")


def train_config(preset: str | None = None, overrides: list[str] | None = None, *, resume: str | None = None,
                 limits: dict | None = None, train_settings: dict | None = None) -> Config:
    """The config to train: a preset with `key.sub=value` overrides, or the saved config of the run to
    `resume` with the overrides on top. `limits` ({"steps": N} etc.): an explicit limit replaces the
    preset's other limits. `train_settings` ({"seed": 3, "out": "runs"}) are train.* overrides."""
    from genlab.train.checkpoint import load_checkpoint_meta, resolve_checkpoint, run_dir_of

    overrides = list(overrides or [])
    limits = {k: v for k, v in (limits or {}).items() if v is not None}
    for key, value in list(limits.items()) + [(k, v) for k, v in (train_settings or {}).items() if v is not None]:
        overrides.append(f"train.{key}={value}")
    if limits:
        for key in LIMIT_KEYS:
            if key not in limits:
                overrides.insert(0, f"train.{key}=null")
    if resume:
        ckpt = resolve_checkpoint(resume)
        saved = load_checkpoint_meta(ckpt)["config"]  # the saved config, with these overrides on top
        if preset:
            asked = load_config(preset)
            if (asked.preset, asked.family) != (saved.get("preset"), saved.get("family")):
                raise CheckpointError(f"run '{run_dir_of(ckpt)}' was trained with preset '{saved.get('preset')}' "
                                      f"({saved.get('family')}); --preset '{preset}' ({asked.family}) cannot "
                                      "resume it: drop --preset")
        return config_from_dict(apply_overrides(saved, overrides))
    if not preset:
        raise GenlabError("train needs --preset NAME (see `genlab presets`) or --resume RUN_DIR")
    return load_config(preset, overrides)


@dataclass
class TrainingJob:
    """One training run in a background thread. start() returns at once; stop() asks the loop to end
    after the current step with a checkpoint saved; `state` says where it is."""
    config: Config
    resume: str | None = None
    status: str = "starting"  # starting | running | stopping | finished | interrupted | failed
    step: int = 0
    total_steps: int | None = None
    last: dict = field(default_factory=dict)  # the newest logged record (losses, img/s)
    error: str | None = None
    run_dir: Path | None = None
    started: float = field(default_factory=time.time)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> "TrainingJob":
        """Start training in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name=f"genlab-train-{self.config.preset}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to stop after its current step; its checkpoint is kept."""
        if self.status in ("starting", "running"):
            self.status = "stopping"
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def state(self) -> dict:
        """A JSON-ready view of the job."""
        return {"status": self.status, "step": self.step, "total_steps": self.total_steps, "last": self.last,
                "error": self.error, "run": self.run_dir.name if self.run_dir else None,
                "preset": self.config.preset, "family": self.config.family, "started": self.started}

    def _progress(self, info: dict) -> None:
        self.step, self.total_steps = info["step"], info.get("total_steps")
        if "img_per_s" in info:
            self.last = {k: v for k, v in info.items() if isinstance(v, (int, float))}
        if self.status == "starting":
            self.status = "running"

    def _run(self) -> None:
        from genlab.apps.evaluate import make_evaluator
        from genlab.train.loop import Trainer

        try:
            trainer = Trainer(self.config, resume=self.resume, evaluator=make_evaluator(self.config),
                              progress=False, stop=self._stop, on_progress=self._progress)
            self.run_dir = trainer.run_dir
            if self.status == "starting":
                self.status = "running"
            run = trainer.fit()
            self.step = run.step
            self.status = run.summary.get("status", "finished")
        except Exception as exc:  # the server must keep running: the error is the job's to report
            self.status = "failed"
            self.error = describe_error(exc)[1]
            log.warning("training %s failed: %s", self.run_dir or self.config.preset, self.error)
