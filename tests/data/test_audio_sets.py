"""Audio sets in memory and their batch source: folders of WAV/FLAC, labels, bad files, batches."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile
import torch

from genlab.config import load_config
from genlab.data.audio_sets import AudioSource, load_audio_dataset
from genlab.data.sources import build_source
from genlab.errors import DataError


def test_folder_clips_labels_and_lengths(tiny_wavs):
    ds = load_audio_dataset("audio-folder", path=str(tiny_wavs), length=4000)
    assert len(ds) == 32 and ds.length == 4000 and ds.clips.dtype == torch.int16
    assert ds.class_names == ["c0", "c1", "c2", "c3"] and ds.num_classes == 4
    assert torch.bincount(ds.labels).tolist() == [8, 8, 8, 8]
    # 0.2 s at 8 kHz -> 3,200 samples at 16 kHz, then zero-padded to 4,000
    x = ds.audio()
    assert x.shape == (32, 1, 4000) and x.abs().max() <= 1
    assert x[:, :, 3300:].abs().max() < 1e-3 and x[:, :, :3000].abs().amax(-1).min() > 0.3
    info = ds.describe()
    assert info["count"] == 32 and info["sample_rate"] == 16000 and info["label_counts"]["c2"] == 8


def test_unusable_files_are_skipped_or_refused_when_strict(tiny_wavs):
    (tiny_wavs / "c0" / "broken.wav").write_bytes(b"RIFF0000WAVEjunk")
    soundfile.write(tiny_wavs / "c1" / "silent.flac", np.zeros(1600, np.float32), 16000)
    ds = load_audio_dataset("audio-folder", path=str(tiny_wavs), length=1024)
    assert len(ds) == 32
    with pytest.raises(DataError, match="broken.wav"):
        load_audio_dataset("audio-folder", path=str(tiny_wavs), length=1024, strict=True)


def test_bad_names_splits_and_lengths(tiny_wavs, tmp_path):
    with pytest.raises(DataError, match="unknown"):
        load_audio_dataset("spoken-digit")
    with pytest.raises(DataError, match="no test split"):
        load_audio_dataset("audio-folder", "test", path=str(tiny_wavs))
    with pytest.raises(DataError, match="needs a path"):
        load_audio_dataset("audio-folder")
    with pytest.raises(DataError, match=">= 1 sample"):
        load_audio_dataset("audio-folder", path=str(tiny_wavs), length=0)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.wav").write_text("text")
    with pytest.raises(DataError, match="no usable audio"):
        load_audio_dataset("audio-folder", path=str(tmp_path / "junk"))


def test_source_batches_are_named_seeded_and_resumable(tiny_wavs):
    cfg = load_config("wavegan-digits", ["data.name=audio-folder", f"data.path={tiny_wavs}", "data.audio_length=1024"])
    source = build_source(cfg.data, batch_size=8, seed=3)
    assert isinstance(source, AudioSource)
    assert source.interface == {"img_channels": 1, "img_resolution": 1024, "num_classes": 4}
    assert source.shape["sample_rate"] == 16000
    first = source.next()
    assert set(first) == {"audio", "labels"} and first["audio"].shape == (8, 1, 1024)
    state = source.state()
    second = source.next()
    again = build_source(cfg.data, batch_size=8, seed=3)
    again.load_state(state)
    assert torch.equal(again.next()["audio"], second["audio"])
    preview = source.preview_batch(5)
    assert preview["labels"].tolist() == ds_labels(tiny_wavs)[:5]


def ds_labels(root):
    return load_audio_dataset("audio-folder", path=str(root), length=64).labels.tolist()


def test_image_options_are_refused_for_audio(tiny_wavs):
    for extra in ("data.patch_size=16", "data.resolution=28"):
        cfg = load_config("wavegan-digits", ["data.name=audio-folder", f"data.path={tiny_wavs}", extra])
        with pytest.raises(DataError, match="audio_length"):
            build_source(cfg.data, batch_size=8, seed=0)
