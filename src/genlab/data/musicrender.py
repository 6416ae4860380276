"""Tunes to clips: ABC text -> MIDI by `abc2midi` -> audio by `fluidsynth` with a General MIDI soundfont ->
fixed-length clips from the first sound on.

Both tools are Debian packages run as programs (`apt-get install abcmidi fluidsynth`); a missing one is a
one-line DataError naming the package. A tune that abc2midi cannot make into MIDI, or that renders to
silence, gives no clips (the build says how many); a tool that cannot run at all stops the build.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from genlab.data.audio import SAMPLE_RATE, SILENCE_PEAK, read_audio
from genlab.errors import DataError, GenlabError

CLIP_SAMPLES = 16_384  # WaveGAN's clip: 1.024 s at 16 kHz
CLIPS_PER_TUNE = 4  # consecutive clips: the first 4.096 s of each tune
ONSET_FRACTION = 0.05  # the tune starts at the first sample reaching 5% (-26 dB) of its peak
PRE_ROLL = 160  # 10 ms before that
PEAK = 0.9
FRAME = 512  # 32 ms frames for the silence test
SOUNDING_RMS = 0.01  # -40 dBFS after normalisation: a frame quieter than this is silence
MIN_SOUNDING = 0.5  # a clip is kept while at least half of its frames sound; the tune has ended otherwise
TOOLS = {"abc2midi": "abcmidi", "fluidsynth": "fluidsynth"}  # program -> the Debian package that ships it
TOOL_TIMEOUT_S = 120


def music_tools() -> dict[str, str]:
    """{program: path} of abc2midi and fluidsynth; one DataError line naming the packages when any is missing."""
    found = {tool: shutil.which(tool) for tool in TOOLS}
    missing = [tool for tool, path in found.items() if path is None]
    if missing:
        packages = " ".join(TOOLS[t] for t in missing)
        raise DataError(f"building the music set needs {' and '.join(missing)}, which "
                        f"{'is' if len(missing) == 1 else 'are'} not on PATH; install "
                        f"{'it' if len(missing) == 1 else 'them'} with `apt-get install {packages}` (Debian/Ubuntu)")
    return found


def tool_versions(tools: dict[str, str]) -> dict[str, str]:
    """{program: the first line of its version output} (recorded beside the set: the clips depend on them)."""
    versions = {}
    for tool, flag in (("abc2midi", "-ver"), ("fluidsynth", "--version")):
        try:
            out = subprocess.run([tools[tool], flag], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        versions[tool] = (out.strip().splitlines() or ["unknown"])[0]
    return versions


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DataError(f"{what} could not run ({exc}); install it with `apt-get install {TOOLS[what]}`") from None


def _last_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln.strip() for ln in (proc.stderr + "\n" + proc.stdout).splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit {proc.returncode}, no output"


def render_abc(abc: str, soundfont: str | Path, tools: dict[str, str]) -> tuple[np.ndarray | None, str]:
    """(mono float32 audio at 16 kHz, "") of one tune's ABC text, or (None, why not): abc2midi (guitar
    chords ignored: the melody only), then fluidsynth (fast render to a WAV file; its default reverb and
    chorus). A tool that cannot run at all raises."""
    with tempfile.TemporaryDirectory(prefix="genlab-tune-") as tmp:
        abc_path, midi, wav = Path(tmp) / "tune.abc", Path(tmp) / "tune.mid", Path(tmp) / "tune.wav"
        abc_path.write_text(abc, encoding="utf-8")
        proc = _run([tools["abc2midi"], str(abc_path), "1", "-o", str(midi), "-NGUI", "-silent"], "abc2midi")
        if not midi.is_file() or midi.stat().st_size == 0:
            return None, f"abc2midi wrote no MIDI: {_last_line(proc)}"
        proc = _run([tools["fluidsynth"], "-ni", "-q", "-F", str(wav), "-r", str(SAMPLE_RATE), str(soundfont),
                     str(midi)], "fluidsynth")
        if proc.returncode != 0 or not wav.is_file():
            return None, f"fluidsynth rendered no audio: {_last_line(proc)}"
        try:
            return read_audio(wav, sample_rate=SAMPLE_RATE, allow_silent=True), ""
        except GenlabError as exc:  # an empty or unreadable WAV
            return None, str(exc)


def sounding_fraction(clip: np.ndarray, frame: int = FRAME) -> float:
    """The fraction of `frame`-sample frames of a clip whose RMS reaches SOUNDING_RMS."""
    frames = clip[:len(clip) // frame * frame].reshape(-1, frame)
    return float((np.sqrt((frames.astype(np.float64) ** 2).mean(1)) >= SOUNDING_RMS).mean())


def cut_clips(audio: np.ndarray, n_clips: int = CLIPS_PER_TUNE, length: int = CLIP_SAMPLES) -> list[np.ndarray]:
    """Up to `n_clips` consecutive float32 clips of `length` samples from PRE_ROLL before the first sound,
    peak-normalised together to PEAK (one gain for the tune); clips stop at the first that is mostly silence."""
    magnitude = np.abs(audio)
    if len(audio) == 0 or magnitude.max() < SILENCE_PEAK:
        return []
    start = max(int(np.argmax(magnitude >= ONSET_FRACTION * magnitude.max())) - PRE_ROLL, 0)
    segment = np.zeros(n_clips * length, np.float32)
    piece = audio[start:start + n_clips * length]
    segment[:len(piece)] = piece * (PEAK / np.abs(piece).max())
    clips = []
    for k in range(n_clips):
        clip = segment[k * length:(k + 1) * length]
        if sounding_fraction(clip) < MIN_SOUNDING:
            break
        clips.append(clip)
    return clips


def tune_clips(abc: str, soundfont: str | Path, tools: dict[str, str]) -> tuple[list[np.ndarray], str]:
    """(clips, "") of one tune, or ([], why there are none)."""
    audio, why = render_abc(abc, soundfont, tools)
    if audio is None:
        return [], why
    clips = cut_clips(audio)
    return clips, "" if clips else "silent"
