"""Windows of recordings joined from clips (data/recordings.py): made only of whole clips, pauses and cuts at
the edges; seeded by the batch position; exact resume; the noisy pairs over them; one-line config errors."""
import pytest
import torch

from genlab.config import load_config
from genlab.data.audio_sets import AudioDataset
from genlab.data.noise import BABBLE_TALKERS, NoisyAudioSource, babble_noise
from genlab.data.recordings import MAX_GAP, JoinedAudioSource, join_window
from genlab.data.sources import build_source
from genlab.errors import ConfigError, DataError

N, T = 10, 64  # clips of the coded set, samples per clip


def _coded_set() -> AudioDataset:
    """Clip c, sample t holds the int16 value 1 + c * T + t: every window sample says where it came from."""
    clips = (1 + torch.arange(N)[:, None] * T + torch.arange(T)[None]).to(torch.int16)
    return AudioDataset(clips, None, "audio-folder", "all")


def _decode(window: torch.Tensor) -> list[list[tuple[int, int]]]:
    """A window (1, L) -> its pieces of clips, each a list of (clip, sample) of consecutive samples; silence
    and a jump to another clip or sample end a piece."""
    codes = torch.round(window[0] * 32768).long().tolist()
    pieces, piece, previous = [], [], 0
    for v in codes + [0]:
        if piece and v != previous + 1:
            pieces.append(piece)
            piece = []
        if v:
            piece.append(((v - 1) // T, (v - 1) % T))
        previous = v
    return pieces


def _take(source, k):
    return [source.next() for _ in range(k)]


def _equal(a, b):
    return len(a) == len(b) and all(x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)
                                    for x, y in zip(a, b))


def test_join_window_places_clips_after_their_pauses_from_the_offset():
    clips = torch.stack([torch.full((1, 4), float(v)) for v in (1, 2, 3)])  # (3, 1, 4)
    w = join_window(clips, torch.tensor([2, 0, 5]), offset=1, length=10)
    # clip 1 from its sample 1 (3 samples), 2 of silence, clip 2, clip 3 straight after; cut at 10
    assert w.tolist() == [[1, 1, 1, 0, 0, 2, 2, 2, 2, 3]]
    assert join_window(clips, torch.tensor([0, 0, 0]), offset=0, length=12).tolist() == [[1] * 4 + [2] * 4 + [3] * 4]


def test_windows_are_whole_clips_with_pauses_cut_at_the_edges():
    length = 3 * T + 10
    source = JoinedAudioSource(_coded_set(), length=length, batch_size=4, seed=0)
    first_clips = source.order.indices(0, 0)
    batch = source.next()
    assert set(batch) == {"audio"} and batch["audio"].shape == (4, 1, length)
    assert source.interface == {"img_channels": 1, "img_resolution": length, "num_classes": 0}
    offsets = set()
    for window, first in zip(batch["audio"], first_clips):
        runs = _decode(window)
        assert runs[0][0][0] == int(first)  # the window starts inside the batch's own clip ...
        offsets.add(runs[0][0][1])
        assert len(runs) >= 3  # ... and holds two more at least (pauses are at most T/2)
        for i, run in enumerate(runs):
            assert i == 0 or run[0][1] == 0  # only the first clip is cut at its start ...
            if 0 < i < len(runs) - 1:
                assert len(run) == T  # ... and the last at its end: the ones between are whole
        silences = int((window[0] == 0).sum())  # pauses of at most MAX_GAP clips after each clip
        assert silences <= len(runs) * int(MAX_GAP * T)
    assert len(offsets) > 1  # offsets are drawn, not fixed


def test_windows_are_seeded_by_position_and_split_over_ranks():
    data = _coded_set()
    make = lambda seed, **kw: JoinedAudioSource(data, length=2 * T, batch_size=4, seed=seed, **kw)  # noqa: E731
    a, b, c = _take(make(0), 3), _take(make(0), 3), _take(make(1), 3)
    assert _equal(a, b) and not _equal(a, c)
    ranks = [_take(make(0, rank=r, world=2), 3) for r in (0, 1)]
    for whole, r0, r1 in zip(a, *ranks):  # each rank its rows rank::world of the same global batch
        assert torch.equal(whole["audio"][0::2], r0["audio"]) and torch.equal(whole["audio"][1::2], r1["audio"])
    preview = make(0).preview_batch(3)["audio"]
    assert preview.shape == (3, 1, 2 * T) and torch.equal(preview, make(0).preview_batch(3)["audio"])


def test_resumed_windows_equal_the_uninterrupted_ones_across_epochs():
    data = _coded_set()
    make = lambda: JoinedAudioSource(data, length=5 * T // 2, batch_size=3, seed=4)  # noqa: E731
    straight = _take(make(), 8)  # 3 batches an epoch: crosses two epoch boundaries
    first = make()
    _take(first, 3)
    resumed = make()
    resumed.load_state(first.state())
    assert _equal(_take(resumed, 5), straight[3:])
    other = JoinedAudioSource(data, length=3 * T, batch_size=3, seed=4)
    with pytest.raises(DataError, match=f"data.recording_length {5 * T // 2}, but this run's is {3 * T}"):
        other.load_state(first.state())


def test_noisy_windows_from_the_config_pair_and_resume(tiny_wavs):
    over = ["data.name=audio-folder", f"data.path={tiny_wavs}", "data.audio_length=1024", "data.recording_length=2560"]
    cfg = load_config("enhance-digits-long", over)
    make = lambda: build_source(cfg.data, batch_size=4, seed=0)  # noqa: E731
    source = make()
    assert isinstance(source, NoisyAudioSource) and isinstance(source.source, JoinedAudioSource)
    straight = _take(source, 12)  # 32 clips: 8 batches an epoch
    b = straight[0]
    assert set(b) == {"inputs", "targets"} and b["inputs"].shape == b["targets"].shape == (4, 1, 2560)
    clean, noisy = b["targets"], b["inputs"]
    snr = 10 * torch.log10(clean.pow(2).mean(-1) / (noisy - clean).pow(2).mean(-1))
    assert (snr > -5.5).all() and (snr < 15.5).all()  # the preset's -5..15 dB over the whole window
    assert ((clean == 0).sum(-1) > 0).all()  # the pauses between the tones are silent in the target
    first = make()
    _take(first, 5)
    resumed = make()
    resumed.load_state(first.state())
    assert _equal(_take(resumed, 7), straight[5:])
    single = build_source(load_config("enhance-digits", over[:3]).data, batch_size=4, seed=0)
    with pytest.raises(DataError, match="saved by a 'joined-audio' source"):
        single.load_state(first.state())


def test_babble_for_windows_longer_than_the_pool_clips(monkeypatch):
    pool = torch.zeros(5, 1, 100)
    pool[:, 0, 0] = torch.arange(1.0, 6.0)  # one spike per pool clip, at its start
    out = babble_noise(pool, 3, torch.Generator().manual_seed(0), length=350)
    assert out.shape == (3, 1, 350)
    assert torch.equal(out, babble_noise(pool, 3, torch.Generator().manual_seed(0), length=350))
    for row in out[:, 0]:  # four talkers of joined pool clips: 3 or 4 spikes each in 350 samples
        assert 0 < int((row != 0).sum()) <= 4 * BABBLE_TALKERS and float(row.sum()) >= 3 * BABBLE_TALKERS
    monkeypatch.setattr("genlab.data.noise.BABBLE_TALKERS", 1)
    for row in babble_noise(pool, 8, torch.Generator().manual_seed(1), length=350)[:, 0]:
        at = row.nonzero().flatten()  # one talker: a pool clip every 100 samples from a random offset
        assert len(at) in (3, 4) and (at.diff() == 100).all() and set(row[at].tolist()) <= set(range(1, 6))


@pytest.mark.parametrize("value, message", [
    ("1000", r"data.recording_length 1000 must be a number of samples >= 2048 \(2 clips of 1024 samples\)"),
    ("0", "data.recording_length must be a number of samples >= 1 .or null., got 0"),
    ("-48000", "got -48000"),
    ("2.5", "data.recording_length must be an integer, got 2.5"),
])
def test_bad_recording_lengths_are_one_line_config_errors(tiny_wavs, value, message):
    over = ["data.name=audio-folder", f"data.path={tiny_wavs}", "data.audio_length=1024"]
    with pytest.raises(ConfigError, match=message) as err:
        cfg = load_config("enhance-digits-long", over + [f"data.recording_length={value}"])
        build_source(cfg.data, batch_size=4, seed=0)
    assert "\n" not in str(err.value)


def test_recording_length_is_for_audio_sets_only():
    with pytest.raises(ConfigError, match="data.recording_length joins clips of audio sets .*not 'mnist'"):
        load_config("dcgan-mnist", ["data.recording_length=48000"])
