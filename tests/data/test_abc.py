"""ABC tune splitting, selection and the text abc2midi is given (no tools needed)."""
from __future__ import annotations

from genlab.data import abc

SONGBOOK = """% A songbook: this file header is not a tune
%%abc-charset utf-8

X:1
T:The Ranting Highlandman.
T:The White Cockade
M:C|
L:1/8
Q:1/2=112
P:AB
K:G
P:A
AG|B2B2 B2AG|B2B2 B2g2|"G"B2B2 B2AG|AGAB A2 % a comment | with a bar
GA|B2B2 cBAG|A2B2 g2fg|a2gf g2fe|d2B2 B2::
%%MIDI program 73
Bc|d2B2 g2B2|d2d2 d2e2|d2cB g2fg|a2A2 A2
W:words | not bars

X:2
T:Two Voices
M:6/8
K:D
V:1
ABc def|ABc def|ABc def|ABc def|
V:2
DEF GAB|DEF GAB|DEF GAB|DEF GAB|

X:3
T:Too Short
M:3/4
K:Am
A2B2c2|e6|]

X:4
T:Keyless
M:2/4
"""


def test_split_tunes_keeps_each_tune_header_and_body():
    tunes = abc.split_tunes(SONGBOOK)
    assert [t.number for t in tunes] == ["1", "2", "3", "4"]
    first = tunes[0]
    assert first.title == "The Ranting Highlandman." and first.field("M") == "C|"
    assert first.header[0] == "X:1" and first.header[-1] == "K:G" and len(first.body) == 6
    assert first.body[0] == "P:A" and first.body[-1] == "W:words | not bars"
    assert tunes[1].body[0] == "V:1" and tunes[2].body == ("A2B2c2|e6|]",)
    assert tunes[3].header == ("X:4", "T:Keyless", "M:2/4") and tunes[3].body == ()  # no K: line at all


def test_bars_are_counted_outside_chords_comments_and_fields():
    assert abc.count_bars("AG|B2B2 B2AG|B2B2 B2g2|") == 3
    assert abc.count_bars('"G|D"B2 |: ab :| cd || ef |]') == 4  # a chord symbol's | is no bar
    assert abc.count_bars("AGAB A2 % a comment | with a bar") == 0
    assert abc.count_bars("W:words | not bars") == 0 and abc.count_bars("!fermata|!A2|") == 1


def test_playable_tunes_are_single_voice_with_a_key_and_enough_bars():
    tunes = abc.split_tunes(SONGBOOK)
    assert [abc.is_playable(t) for t in tunes] == [True, False, False, False]  # voices, 2 bars, no K:


def test_playable_abc_sets_tempo_and_instrument_and_keeps_the_first_bars():
    tune = abc.split_tunes(SONGBOOK)[0]
    text = abc.playable_abc(tune, tempo=96, program=40, max_bars=4)
    lines = text.splitlines()
    # its own fields but tempo and part order, then ours; the first lines holding >= 4 bars; no lyrics
    assert lines == ["X:1", "T:The Ranting Highlandman.", "T:The White Cockade", "M:C|", "L:1/8", "Q:1/2=96",
                     "K:G", "%%MIDI program 40", 'AG|B2B2 B2AG|B2B2 B2g2|"G"B2B2 B2AG|AGAB A2 % a comment | with a bar']
    whole = abc.playable_abc(tune, tempo=96, program=40).splitlines()
    assert whole[-1] == "Bc|d2B2 g2B2|d2d2 d2e2|d2cB g2fg|a2A2 A2"
    assert "%%MIDI program 73" not in whole and not any(ln.startswith(("W:", "P:")) for ln in whole)


def test_the_tempo_counts_the_beat_of_the_meter():
    assert [abc.beat_unit(m) for m in ("6/8", "9/8", "12/8", "3/8", "C|", "2/2", "C", "2/4", "3/4", "none", "")] == [
        "3/8", "3/8", "3/8", "1/4", "1/2", "1/2", "1/4", "1/4", "1/4", "1/4", "1/4"]


def test_title_keys_join_spellings_of_one_tune():
    assert abc.title_key("The Ranting Highlandman.") == "ranting highlandman"
    assert abc.title_key("Mountain Rose, The") == abc.title_key("The Mountain Rose -- Reel") == "mountain rose"
    assert abc.title_key("Brühl's Jig") == "bruhl s"
    assert abc.title_key("The Reel") == "the reel"  # nothing left: the whole title, lower case
