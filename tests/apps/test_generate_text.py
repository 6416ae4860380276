"""Text generation and text evaluation end to end: `genlab generate` streams what Run.generate returns, one
seed per sample; `genlab eval` measures val_bpc, distinct_n and copy8 against numbers we can justify."""
import json
import math

import pytest
import torch

import genlab
from genlab.cli import main
from genlab.config import load_config
from genlab.data.text import load_corpus
from genlab.metrics.text import copied_fraction, distinct_n, val_loss
from genlab.train.loop import train
from genlab.train.run import load_run

pytestmark = pytest.mark.usefixtures("one_thread")
VERSE = ("Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
         "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date:\n")


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lm")
    (tmp / "verse.txt").write_text(VERSE * 12, encoding="utf-8")
    cfg = load_config("gpt-shakespeare-char", [
        "data.name=text", f"data.path={tmp / 'verse.txt'}", "data.block_size=32", "train.batch_size=8",
        "train.steps=30", f"train.out={tmp / 'runs'}", "train.tensorboard=false", "train.minutes=null",
        "model.net_args={n_layer: 1, n_head: 2, n_embd: 32}", "model.warmup_steps=5", "model.lr=0.01",
        "model.preview_chars=40", "train.sample_every=10", "train.log_every=5"])
    return train(cfg, progress=False).path


def test_the_run_folder_holds_text_samples_and_the_vocabulary(lm_run):
    summary = json.loads((lm_run / "summary.json").read_text())
    assert summary["samples"] == "samples.txt" and summary["family"] == "lm"
    assert sorted(p.name for p in (lm_run / "samples").iterdir()) == [f"step_{s:06d}.txt" for s in (0, 10, 20, 30)]
    meta = json.loads(next((lm_run / "checkpoints").glob("step_*/config.json")).read_text())
    assert meta["data_shape"]["vocab"] == "".join(sorted(set(VERSE))) and meta["data_shape"]["seq_len"] == 32
    records = [json.loads(line) for line in (lm_run / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["loss"] < records[0]["loss"]  # it learns the verse


def test_generate_streams_what_run_generate_returns(lm_run, capsys, monkeypatch):
    writes = []
    assert main(["generate", str(lm_run), "--prompt", "Shall", "--max-new-tokens", "60", "--seed", "3",
                 "--top-k", "5"]) == 0
    out = capsys.readouterr().out
    assert out == genlab.load_run(lm_run).generate("Shall", 60, temperature=0.8, top_k=5, seed=3) + "\n"
    assert len(out) == 61
    # streamed: one write per character as it is produced, not one write at the end
    import genlab.cli_text as cli_text
    monkeypatch.setattr(cli_text.sys, "stdout", type("W", (), {"write": lambda s, t: writes.append(t),
                                                               "flush": lambda s: None})())
    assert main(["generate", str(lm_run), "--prompt", "Shall", "--max-new-tokens", "20", "--seed", "3"]) == 0
    assert len(writes) >= 20 and all(len(w) == 1 for w in writes[:20])


def test_each_sample_depends_only_on_its_own_seed(lm_run, capsys):
    assert main(["generate", str(lm_run), "--prompt", "Thou", "--max-new-tokens", "40", "--seed", "7", "--n", "2",
                 "--json"]) == 0
    samples = json.loads(capsys.readouterr().out)["samples"]
    run = load_run(lm_run)
    assert [s["seed"] for s in samples] == [7, 8]
    assert [s["text"] for s in samples] == [run.generate("Thou", 40, seed=s) for s in (7, 8)]
    assert samples[0]["text"] != samples[1]["text"]
    assert main(["generate", str(lm_run), "--prompt", "Thou", "--max-new-tokens", "40", "--seed", "7", "--n", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("----- seed 7 -----\n" + samples[0]["text"])
    assert "\n\n----- seed 8 -----\n" + samples[1]["text"] in text


def test_generation_beyond_the_context_slides(lm_run, capsys):
    run = load_run(lm_run)
    text = run.generate("Rough", 200, temperature=0, seed=0)  # 200 > the 32-character context
    assert len(text) == 200 and set(text) <= set(VERSE)
    assert "".join(genlab.generate_text(run, "Rough", max_new_tokens=200, temperature=0)) == text


def test_a_uniform_model_has_log_v_nats_per_character(lm_run):
    run = load_run(lm_run)
    model = run.model
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()  # zero embeddings and weights: every logit 0, the uniform distribution
    corpus = load_corpus("text", run.config.data.path)
    result = val_loss(model, model.encode(corpus.val))
    V = len(model.vocab)
    assert result["val_nats_per_char"] == pytest.approx(math.log(V), rel=1e-6)
    assert result["val_bits_per_char"] == pytest.approx(math.log2(V), rel=1e-6)
    assert result["val_chars"] == len(corpus.val) - 1  # every validation character but the first is predicted


def test_val_loss_is_the_mean_over_windows_of_the_training_loss(lm_run):
    model = load_run(lm_run).model
    T = model.seq_len
    tokens = model.encode((VERSE * 2)[:2 * T + 1])
    with torch.no_grad():
        by_window = [model.loss(tokens[i * T:(i + 1) * T + 1][None]).item() for i in range(2)]
    assert val_loss(model, tokens, batch_size=1)["val_nats_per_char"] == pytest.approx(sum(by_window) / 2, rel=1e-5)


def test_distinct_n_and_copied_8grams_by_hand():
    assert distinct_n(["a b a b", "c"], 1) == pytest.approx(3 / 5)
    assert distinct_n(["a b a b", "c"], 2) == pytest.approx(2 / 3)  # (a b), (b a), (a b)
    assert math.isnan(distinct_n(["a"], 2))
    assert copied_fraction(["x y z q"], "x y z w", n=2) == pytest.approx(2 / 3)  # (x y), (y z) copied; (z q) not
    words = "one two three four five six seven eight nine"
    assert copied_fraction([words], words + " ten", n=8) == 1.0


def test_eval_measures_a_text_run_and_stores_the_results(lm_run, capsys):
    assert main(["eval", str(lm_run), "--metrics", "val_bpc,distinct_n,copy8", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["val_bits_per_char"] == pytest.approx(results["val_nats_per_char"] / math.log(2))
    assert 0 < results["val_nats_per_char"] < math.log(len(set(VERSE)))  # better than uniform after training
    assert all(0 < results[f"distinct_{k}"] <= 1 for k in (1, 2, 3))
    assert 0 <= results["copied_8grams"] <= 1 and results["corpus"] == "text"
    stored = json.loads((lm_run / "summary.json").read_text())["metrics"]
    assert stored["val_nats_per_char"] == results["val_nats_per_char"]
