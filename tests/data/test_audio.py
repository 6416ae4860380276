"""Audio I/O (soundfile + soxr) and spectrograms (torch.stft), on clips the tests synthesize."""
from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
import torch

from genlab.data import audio
from genlab.data.spectral import istft, log_mel, mel_filterbank, power_db, spectrogram_images, stft
from genlab.errors import DataError


def sine(freq, seconds, rate, amp=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x, rate):
    spectrum = np.abs(np.fft.rfft(x))
    return np.argmax(spectrum) * rate / len(x)


@pytest.mark.parametrize("rate,fmt", [(44100, "WAV"), (48000, "FLAC"), (8000, "WAV"), (16000, "FLAC")])
def test_any_rate_and_channels_become_16k_mono(tmp_path, rate, fmt):
    left, right = sine(440, 0.5, rate), sine(440, 0.5, rate, amp=0.3)
    path = tmp_path / f"a.{fmt.lower()}"
    soundfile.write(path, np.stack([left, right], 1), rate, format=fmt)
    x = audio.read_audio(path)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(len(x) - 8000) <= 2  # 0.5 s at 16 kHz
    assert abs(peak_hz(x, 16000) - 440) < 3  # the pitch survives resampling
    assert abs(np.abs(x[1000:-1000]).max() - 0.4) < 0.01  # the mean of the two channels


def test_max_samples_stops_reading_a_long_file(tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    soundfile.write(path, sine(200, 30, 16000), 16000)  # 30 s: 480,000 samples
    blocks = []
    real = audio.iter_audio_blocks

    def counting(*a, **k):
        for b in real(*a, **k):
            blocks.append(len(b))
            yield b
    monkeypatch.setattr(audio, "iter_audio_blocks", counting)
    x = audio.read_audio(path, max_samples=16000)
    assert len(x) == 16000
    assert sum(blocks) < 2 * audio.READ_BLOCK  # one block read, not the whole file


def test_blocks_are_bounded_and_join_to_the_whole_resampled_file(tmp_path):
    path = tmp_path / "long.flac"
    soundfile.write(path, sine(300, 10, 44100), 44100)
    blocks = list(audio.iter_audio_blocks(path, block=4096))
    assert len(blocks) > 20 and max(len(b) for b in blocks) <= 4096
    joined = np.concatenate(blocks)
    assert abs(len(joined) - 160000) <= 2
    np.testing.assert_allclose(joined, audio.read_audio(path), atol=0)


def test_bad_files_are_one_line_errors(tmp_path):
    (tmp_path / "text.wav").write_text("not audio at all")
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, np.float32), 16000)
    soundfile.write(tmp_path / "silent.wav", np.zeros(16000, np.float32), 16000)
    cases = {"text.wav": "not an audio file", "empty.wav": "holds no samples", "silent.wav": "is silent",
             "missing.wav": "does not exist"}
    for name, words in cases.items():
        with pytest.raises(DataError, match=words) as err:
            audio.read_audio(tmp_path / name)
        assert "\n" not in str(err.value)
    assert audio.read_audio(tmp_path / "silent.wav", allow_silent=True).max() == 0


def test_float_files_beyond_full_scale_are_clipped(tmp_path):
    soundfile.write(tmp_path / "loud.wav", sine(100, 0.1, 16000, amp=3.0), 16000, subtype="FLOAT")
    x = audio.read_audio(tmp_path / "loud.wav")
    assert x.max() == 1.0 and x.min() == -1.0


def test_write_wav_round_trips_at_16_bits(tmp_path):
    x = sine(1000, 0.25, 16000, amp=0.9)
    path = audio.write_wav(tmp_path / "out.wav", torch.from_numpy(x))
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
    np.testing.assert_allclose(audio.read_audio(path), x, atol=1 / 32767)
    assert audio.wav_bytes(x)[:4] == b"RIFF"
    assert not list(tmp_path.glob(".*tmp"))  # written atomically


def test_wav_strip_puts_clips_in_a_row_with_gaps(tmp_path):
    clips = np.ones((3, 1000), np.float32) * 0.5
    path = audio.write_wav_strip(tmp_path / "s.wav", clips, 16000, gap_s=0.25)
    x = audio.read_audio(path)
    assert len(x) == 3 * (1000 + 4000)
    assert np.all(x[:1000] > 0.49) and np.all(x[1000:5000] == 0)


def test_fit_length_and_list_audio(tmp_path):
    assert len(audio.fit_length(np.ones(10, np.float32), 4)) == 4
    padded = audio.fit_length(np.ones(3, np.float32), 5)
    assert padded.tolist() == [1, 1, 1, 0, 0]
    (tmp_path / "sub").mkdir()
    soundfile.write(tmp_path / "sub" / "a.FLAC", sine(100, 0.1, 16000), 16000)
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in audio.list_audio(tmp_path)] == ["a.FLAC"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no audio"):
        audio.list_audio(tmp_path / "empty")
    with pytest.raises(DataError, match="not a folder"):
        audio.list_audio(tmp_path / "nope")


def test_bytes_are_read_too():
    buf = io.BytesIO()
    soundfile.write(buf, sine(500, 0.2, 22050), 22050, format="WAV")
    buf.seek(0)
    x = audio.read_audio(buf)
    assert abs(len(x) - 3200) <= 2 and abs(peak_hz(x, 16000) - 500) < 6


# -- spectrograms -----------------------------------------------------------------------------------------

def test_full_scale_sine_peaks_at_0_db_in_its_bin():
    x = torch.from_numpy(sine(1000, 1.0, 16000, amp=1.0))[None]
    db = power_db(x, n_fft=512)
    frame = db[0, :, db.shape[-1] // 2]
    assert abs(int(frame.argmax()) - 1000 / (16000 / 512)) <= 0.5
    assert abs(float(frame.max())) < 0.1  # 1000 Hz is bin 32 exactly: no scalloping loss


def test_stft_inverts():
    x = torch.randn(2, 4000)
    y = istft(stft(x, 256), 256, length=4000)
    torch.testing.assert_close(x, y, atol=1e-5, rtol=0)


def test_mel_filterbank_shape_peaks_and_order():
    fb = mel_filterbank(40, 512, 16000)
    assert fb.shape == (40, 257)
    assert fb.min() >= 0 and (fb.max(1).values > 0.5).all()  # every filter sees at least one bin
    centres = fb.argmax(1)
    assert (centres[1:] >= centres[:-1]).all()  # ordered by frequency, denser at the bottom
    assert centres[1] - centres[0] < centres[-1] - centres[-2]


def test_log_mel_and_images_shapes_and_ranges():
    x = torch.from_numpy(np.stack([sine(300, 1.0, 16000), sine(3000, 1.0, 16000)]))[:, None]
    m = log_mel(x, 16000, n_mels=64)
    assert m.shape[:2] == (2, 64) and torch.isfinite(m).all()
    assert m[0].mean(1).argmax() < m[1].mean(1).argmax()  # the higher tone in a higher mel band
    img = spectrogram_images(x)
    assert img.shape[:3] == (2, 1, 128) and img.min() >= -1 and img.max() <= 1
    rows = img[:, 0].mean(-1).argmax(-1)
    assert rows[0] > rows[1]  # low frequencies at the bottom of the image
