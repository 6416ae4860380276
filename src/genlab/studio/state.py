"""The studio's state: the runs folder, loaded models (reloaded when a run writes a newer checkpoint),
uploaded images kept in memory for a while, and the training jobs the server started."""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from genlab.errors import CheckpointError, GenlabError
from genlab.studio.security import new_token, run_folder
from genlab.train.checkpoint import list_checkpoints

MAX_MODELS = 4    # loaded runs kept in memory
MAX_UPLOADS = 16  # uploaded images kept, as the bytes sent (oldest dropped)


class Studio:
    """Everything the request handlers share. Model calls go through `lock` one at a time: two browsers
    at once are served in turn, never interleaved inside a model."""

    def __init__(self, runs: str | Path, token: str | None = None):
        self.root = Path(runs)
        self.token = token or new_token()
        self.lock = threading.RLock()
        self._models: OrderedDict = OrderedDict()
        self._uploads: OrderedDict[str, bytes] = OrderedDict()
        self.jobs: dict[str, object] = {}

    def run_dir(self, name: str) -> Path:
        """The folder of run `name`; CheckpointError (a 404) when it does not exist (any more)."""
        path = run_folder(self.root, name)
        if not path.is_dir():
            raise CheckpointError(f"run '{name}' does not exist in the runs folder (deleted or moved?)")
        return path

    def run(self, name: str):
        """The loaded Run of `name`, from its newest checkpoint (cached until a newer one appears)."""
        from genlab.apps.runs import open_run

        path = self.run_dir(name)
        ckpts = list_checkpoints(path / "checkpoints")
        if not ckpts:
            raise CheckpointError(f"run '{name}' has no checkpoint yet; wait for its first one")
        key = (str(path), ckpts[-1].name)
        with self.lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            run = open_run(path)
            for old in [k for k in self._models if k[0] == key[0]]:
                del self._models[old]
            self._models[key] = run
            while len(self._models) > MAX_MODELS:
                self._models.popitem(last=False)
            return run

    def add_upload(self, data: bytes) -> str:
        """Keep an upload's bytes (an image or audio, already checked to decode); returns its id."""
        upload_id = uuid.uuid4().hex[:12]
        with self.lock:
            self._uploads[upload_id] = data
            while len(self._uploads) > MAX_UPLOADS:
                self._uploads.popitem(last=False)
        return upload_id

    def upload(self, upload_id: str) -> bytes:
        """An upload's bytes by id; GenlabError when it is unknown or was dropped."""
        image = self._uploads.get(str(upload_id))
        if image is None:
            raise GenlabError(f"upload '{upload_id}' is unknown or expired; upload the file again")
        return image

    def training(self, run_name: str) -> bool:
        """Whether a job of this server is training `run_name` now."""
        return any(job.alive and job.run_dir is not None and job.run_dir.name == run_name
                   for job in self.jobs.values())

    def add_job(self, job) -> str:
        """Register a started TrainingJob; returns its id."""
        job_id = f"{int(time.time())}-{uuid.uuid4().hex[:6]}"
        self.jobs[job_id] = job
        return job_id

    def stop_jobs(self, timeout: float = 60) -> None:
        """Stop every training job this server started and wait for their checkpoints."""
        for job in self.jobs.values():
            job.stop()
        for job in self.jobs.values():
            job.join(timeout)

    def job(self, job_id: str):
        job = self.jobs.get(job_id)
        if job is None:
            raise GenlabError(f"training job '{job_id}' is unknown (the server was restarted?)")
        return job
