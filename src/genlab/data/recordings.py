"""Windows of long recordings made from short clips: several random clips of an audio set joined end to end
with random pauses between them, cut at a random offset, as a streamed recording's windows are.

`data.recording_length: 48000` on an audio set trains on 3 s windows instead of single clips: each window
starts inside the batch's clip (at an offset drawn uniformly from the clip), which is followed by random
other clips of the split, each after a pause of 0 to half a clip of silence, until the window is full. So
a window holds several utterances, utterances sit anywhere in it and the first and last are cut at its
edges. With `data.degradation: noise:LOW:HIGH` the noise is mixed into the whole window afterwards
(data/noise.py). Every draw comes from a generator seeded by the batch's position (the draws of the global
batch, whatever the rank), so a resumed run sees the same windows.
"""
from __future__ import annotations

import torch

from genlab.data.sources import Batch, BatchOrder, Source, position_generator
from genlab.errors import ConfigError, DataError

MAX_GAP = 0.5  # the longest pause between two joined clips, as a fraction of the clip length
MIN_CLIPS = 2  # a window is at least this many clips long, so it always holds a whole clip's middle


def check_recording_length(length: int, clip: int) -> None:
    """A ConfigError naming `length` unless it is an int of at least MIN_CLIPS clips of `clip` samples."""
    if isinstance(length, bool) or not isinstance(length, int) or length < MIN_CLIPS * clip:
        raise ConfigError(f"data.recording_length {length!r} must be a number of samples >= {MIN_CLIPS * clip} "
                          f"({MIN_CLIPS} clips of {clip} samples), e.g. {4 * clip}; or null for single clips")


def draw_windows(n: int, n_clips: int, clip: int, length: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The random choices of n windows: the other clips after the first, the pauses and the offset."""
    joined = -(-length // clip) + 1  # clips per window: enough to fill `length` from any offset < clip
    return {"others": torch.randint(0, n_clips, (n, joined - 1), generator=generator),
            "gaps": torch.randint(0, int(MAX_GAP * clip) + 1, (n, joined), generator=generator),
            "offsets": torch.randint(0, clip, (n,), generator=generator)}


def join_window(clips: torch.Tensor, gaps: torch.Tensor, offset: int, length: int) -> torch.Tensor:
    """One window (1, length): `clips` (k, 1, T) joined with gaps[j] samples of silence after clip j,
    read from `offset` on (the clips must fill it: k * T >= offset + length)."""
    clip = clips.shape[-1]
    out = torch.zeros(1, length)
    at = -offset  # where the current clip starts in the window
    for j in range(len(clips)):
        lo, hi = max(at, 0), min(at + clip, length)
        if lo < hi:
            out[:, lo:hi] = clips[j, :, lo - at:hi - at]
        at += clip + int(gaps[j])
        if at >= length:
            break
    return out


class JoinedAudioSource(Source):
    """{"audio": (B, 1, length)} windows of recordings joined from an AudioDataset's clips (labels dropped:
    a window holds several); one epoch is one window starting in each clip."""

    kind = "joined-audio"

    def __init__(self, data, *, length: int, batch_size: int, seed: int, rank: int = 0, world: int = 1):
        check_recording_length(length, data.length)
        super().__init__(BatchOrder(len(data), batch_size, seed), rank=rank, world=world)
        self.data, self.length, self.seed = data, length, seed
        self.channels, self.resolution, self.num_classes = 1, length, 0

    def _windows(self, first: torch.Tensor, generator: torch.Generator, rows: range) -> torch.Tensor:
        """Windows `rows` of the batch whose first clips are `first` (the draws are made for all of them)."""
        draws = draw_windows(len(first), len(self.data), self.data.length, self.length, generator)
        out = []
        for i in rows:
            idx = torch.cat([first[i:i + 1], draws["others"][i]])
            out.append(join_window(self.data.audio(idx), draws["gaps"][i], int(draws["offsets"][i]), self.length))
        return torch.stack(out)

    def make_batch(self, epoch: int, index: int, idx: torch.Tensor) -> Batch:
        g = position_generator(self.seed, "join", epoch, index)
        return {"audio": self._windows(idx, g, range(self.rank, len(idx), self.world))}

    def preview_batch(self, n: int) -> Batch:
        first = torch.arange(n) % len(self.data)
        return {"audio": self._windows(first, position_generator(self.seed, "preview-join"), range(n))}

    def state(self) -> dict:
        return {**super().state(), "recording_length": self.length}

    def load_state(self, state: dict) -> None:
        saved = state.get("recording_length")
        if state.get("kind") == self.kind and saved != self.length:
            raise DataError(f"the data position was saved for windows of data.recording_length {saved}, but "
                            f"this run's is {self.length}; resume with the run's own data settings")
        super().load_state(state)

    @property
    def shape(self) -> dict:
        return {**super().shape, "sample_rate": self.data.sample_rate, "modality": "audio"}
