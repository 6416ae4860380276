"""ABC notation, just enough to pick tunes out of a songbook file and set how each one is played.

An ABC file holds tunes one after another; a tune starts at an `X:` line, its header runs to the first
`K:` (key) line, and its body (the notes) runs to a blank line or the next `X:`. genlab reads no music
out of the notes: it keeps or drops whole tunes and lines, and lets `abc2midi` do the rest.

    tunes = split_tunes(text)                       # [Tune(...), ...] in file order
    [t for t in tunes if is_playable(t)]           # single-voice tunes with a key and some bars
    playable_abc(tune, tempo=96, program=40)       # its first ~16 bars at 96 beats/min on a violin
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_BARS = 16  # bars kept of each tune: enough for several seconds at any tempo, and quick to render
MIN_BARS = 4
TITLE_STOP_WORDS = {"the", "a", "an", "no", "reel", "jig", "hornpipe", "strathspey", "march", "air", "polka",
                    "waltz", "slide", "quickstep", "set", "dance", "song", "tune", "or"}
_FIELD = re.compile(r"^([A-Za-z]):(.*)$")
_BAR = re.compile(r"[:\[\]]*\|[|:\]]*")  # one bar line: |, ||, |], [|, :|, |:, ::|: ...


@dataclass(frozen=True)
class Tune:
    """One tune of an ABC file: its header lines (X: ... K:) and body lines, as written."""

    header: tuple[str, ...]
    body: tuple[str, ...]

    def field(self, letter: str) -> str:
        """The first header field `letter` (e.g. "T" -> the title), stripped; "" when absent."""
        for line in self.header:
            m = _FIELD.match(line)
            if m and m.group(1) == letter:
                return m.group(2).strip()
        return ""

    @property
    def number(self) -> str:
        return self.field("X")

    @property
    def title(self) -> str:
        return self.field("T")


def split_tunes(text: str) -> list[Tune]:
    """The tunes of an ABC file in order (text before the first X: line, the file header, is skipped)."""
    tunes, header, body, in_body = [], [], [], False

    def close():
        if header:
            tunes.append(Tune(tuple(header), tuple(body)))

    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("X:"):
            close()
            header, body, in_body = [line], [], False
        elif not header:
            continue  # the file header: comments and defaults before the first tune
        elif not line.strip():
            if in_body:  # a blank line ends the tune; a stray one in the header is skipped
                close()
                header, body, in_body = [], [], False
        elif in_body:
            body.append(line)
        else:
            header.append(line)
            in_body = line.startswith("K:")
    close()
    return tunes


def count_bars(line: str) -> int:
    """Bar lines on one body line, not counting those inside "chord symbols", !decorations!, % comments or
    field lines (K:, M:, ...)."""
    if _FIELD.match(line):
        return 0
    line = line.split("%", 1)[0]
    line = re.sub(r'"[^"]*"|![^!]*!', "", line)
    return len(_BAR.findall(line))


def music_lines(tune: Tune) -> list[str]:
    """Body lines that play: comments, %% directives and the fields of tempo (Q:), parts (P:), lyrics (W:, w:)
    and notes (N:) left out; key, meter and note-length changes (K:, M:, L:) kept."""
    def plays(line: str) -> bool:
        m = _FIELD.match(line)
        return not line.lstrip().startswith("%") and not (m and m.group(1) in "QPWwN")
    return [ln for ln in tune.body if plays(ln)]


def is_playable(tune: Tune) -> bool:
    """A single-voice tune with a key, a title and at least MIN_BARS bars of notes."""
    if not tune.header[-1].startswith("K:") or not tune.title:
        return False
    if any(ln.startswith(("V:", "[V:")) for ln in tune.header + tune.body):
        return False
    return sum(count_bars(ln) for ln in music_lines(tune)) >= MIN_BARS


def beat_unit(meter: str) -> str:
    """The note value a tempo counts for a meter: 3/8 for compound meters (6/8, 9/8, 12/8), 1/2 for cut
    time (C|, 2/2, 3/2 ...), else 1/4."""
    meter = meter.replace(" ", "")
    if meter == "C|":
        return "1/2"
    m = re.fullmatch(r"(\d+)/(\d+)", meter)
    if m and m.group(2) == "8" and int(m.group(1)) in (6, 9, 12):
        return "3/8"
    if m and m.group(2) == "2":
        return "1/2"
    return "1/4"


def first_bars(lines: list[str], max_bars: int = MAX_BARS) -> list[str]:
    """Whole lines from the start until at least `max_bars` bar lines are in."""
    kept, bars = [], 0
    for line in lines:
        if bars >= max_bars:
            break
        kept.append(line)
        bars += count_bars(line)
    return kept


def playable_abc(tune: Tune, tempo: int, program: int, max_bars: int = MAX_BARS) -> str:
    """The tune as abc2midi should play it: X:1, its own header but for tempo (Q:), part order (P:) and
    %% directives, a tempo of `tempo` beats per minute (the meter's beat, see beat_unit), General MIDI
    `program`, and the body's first `max_bars` bars (see music_lines)."""
    header = ["X:1"] + [ln for ln in tune.header[1:-1] if not ln.startswith(("Q:", "P:", "%"))]
    header.append(f"Q:{beat_unit(tune.field('M'))}={tempo}")
    body = first_bars(music_lines(tune), max_bars)
    return "\n".join(header + [tune.header[-1], f"%%MIDI program {program}"] + body) + "\n"


def title_key(title: str) -> str:
    """A tune's title reduced so that spellings of the same tune meet: accents and punctuation dropped,
    lower case, words such as "the" and "reel" left out ("The Ranting Highlandman." -> "ranting highlandman")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", ascii_title) if w not in TITLE_STOP_WORDS]
    return " ".join(words) or ascii_title.strip()
