"""The language-model nets and family: causality, the KV cache and LSTM state against full forwards, weight
tying and parameter counts, the learning-rate schedule, sliding generation and the vocabulary policy."""
import math

import pytest
import torch

from genlab.errors import ConfigError, GenlabError
from genlab.models.lm import LM, LMConfig, pick_next
from genlab.models.nets import CharLSTM, GPT

pytestmark = pytest.mark.usefixtures("one_thread")
VOCAB = "\n !',.:;?ABCDEFGHIJKLMNOPRSTUVWYabcdefghiklmnoprstuvwy"


def gpt(seed=0, **kw):
    torch.manual_seed(seed)
    args = dict(vocab_size=20, block_size=12, n_layer=2, n_head=2, n_embd=16, dropout=0.0)
    return GPT(**{**args, **kw}).eval()


def test_gpt_parameter_count_matches_nanogpts_formula_and_the_output_layer_is_the_embedding():
    V, T, C, L = 65, 256, 384, 6  # nanoGPT's shakespeare_char
    net = GPT(vocab_size=V, block_size=T, n_layer=L, n_head=6, n_embd=C)
    per_layer = 2 * C + 4 * C * C + 8 * C * C  # 2 LayerNorms (no bias) + attention (qkv, proj) + MLP (C -> 4C -> C)
    assert sum(p.numel() for p in net.parameters()) == V * C + T * C + L * per_layer + C
    assert net.lm_head.weight is net.wte.weight
    # nanoGPT reports 10.65M parameters without the position embedding
    assert round((sum(p.numel() for p in net.parameters()) - T * C) / 1e6, 2) == 10.65


def test_gpt_is_causal():
    net = gpt()
    x = torch.randint(0, 20, (2, 12))
    y = x.clone()
    y[:, 7:] = (y[:, 7:] + 1) % 20
    with torch.no_grad():
        a, b = net(x), net(y)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6)
    assert not torch.allclose(a[:, 7:], b[:, 7:])


@pytest.mark.parametrize("chunks", [(12,), (5, 1, 1, 1, 4), (1,) * 12, (3, 9)])
def test_the_kv_cache_gives_the_full_forwards_logits(chunks):
    net = gpt()
    x = torch.randint(0, 20, (3, 12))
    with torch.no_grad():
        full = net(x)
        cache, pieces, at = None, [], 0
        for n in chunks:
            logits, cache = net.step(x[:, at:at + n], cache)
            pieces.append(logits)
            at += n
    assert net.context(cache) == 12
    assert torch.allclose(torch.cat(pieces, 1), full, atol=1e-5)
    with pytest.raises(ValueError, match="exceed the context of 12"):
        net.step(x[:, :1], cache)


def test_the_lstm_state_carries_the_context():
    torch.manual_seed(0)
    net = CharLSTM(vocab_size=20, block_size=8, n_layer=2, hidden=16, n_embd=8).eval()
    x = torch.randint(0, 20, (2, 30))
    with torch.no_grad():
        full = net(x)
        a, state = net.step(x[:, :17], None)
        b, _ = net.step(x[:, 17:], state)
    assert torch.allclose(torch.cat([a, b], 1), full, atol=1e-5)


def lm(net="gpt", seq_len=12, **cfg):
    args = {"gpt": {"n_layer": 1, "n_head": 2, "n_embd": 16}, "char-lstm": {"n_layer": 1, "hidden": 16, "n_embd": 8}}
    torch.manual_seed(0)
    return LM(LMConfig(net=net, net_args=args[net], **cfg), vocab=VOCAB, seq_len=seq_len)


def test_warmup_then_cosine_to_the_floor():
    model = lm(warmup_steps=10, decay_steps=110, min_lr_ratio=0.1)
    assert model.lr_multiplier(0, None) == pytest.approx(1 / 11)
    assert model.lr_multiplier(9, None) == pytest.approx(10 / 11)
    assert model.lr_multiplier(10, None) == pytest.approx(1.0)
    assert model.lr_multiplier(60, None) == pytest.approx(0.1 + 0.5 * 0.9)  # half way: cos(pi/2) = 0
    assert model.lr_multiplier(110, None) == pytest.approx(0.1)
    assert model.lr_multiplier(500, None) == pytest.approx(0.1)
    run_long = lm(warmup_steps=0, decay_steps=None, min_lr_ratio=0.0)
    assert run_long.lr_multiplier(50, 100) == pytest.approx(0.5)  # decays over the run's train.steps
    assert run_long.lr_multiplier(50, None) == 1.0  # a minutes-only run: constant


@pytest.mark.parametrize("net", ["gpt", "char-lstm"])
def test_generation_with_and_without_the_cache_agree_and_slides_past_the_context(net):
    model = lm(net)
    prompt = model.encode("ROMEO:\n")[None]
    greedy = [torch.cat(list(model.generate_tokens(prompt, 40, temperature=0, use_cache=c))) for c in (True, False)]
    assert len(greedy[0]) == 40  # 40 > seq_len 12: the window slid
    # within the context both see the same positions, so the same characters come out
    assert torch.equal(greedy[0][:5], greedy[1][:5])
    if net == "char-lstm":  # no window: the state and the full recomputation agree all the way
        assert torch.equal(greedy[0], greedy[1])
    a = model.decode(torch.cat(list(model.generate_tokens(prompt, 30, generator=torch.Generator().manual_seed(3)))))
    b = "".join(model.stream("ROMEO:\n", 30, temperature=1.0, seed=3))
    assert a == b and len(a) == 30 and set(a) <= set(VOCAB)


def test_top_k_and_temperature():
    logits = torch.tensor([[0.0, 1.0, 5.0, 2.0]])
    assert pick_next(logits, 0, None, None).item() == 2
    g = torch.Generator().manual_seed(0)
    drawn = {pick_next(logits, 10.0, 2, g).item() for _ in range(200)}
    assert drawn == {2, 3}  # only the two likeliest, both drawn at a high temperature


def test_prompt_characters_outside_the_vocabulary_are_refused_by_name():
    model = lm()
    with pytest.raises(GenlabError, match=r"2 character\(s\) outside the model's vocabulary: 'Q', 'é'"):
        model.encode("ROMEO: Qué")
    with pytest.raises(GenlabError, match="the prompt is empty"):
        next(model.stream("", 5))


def test_bad_lm_configs_and_image_data_are_refused():
    with pytest.raises(ConfigError, match="model.net 'dcgan' is not a language model net; known: gpt, char-lstm"):
        lm(net="gpt").cfg.__class__(net="dcgan").validate()
    with pytest.raises(ConfigError, match="model.min_lr_ratio must be in"):
        LMConfig(min_lr_ratio=2).validate()
    with pytest.raises(ConfigError, match="trains on a text corpus"):
        LM(LMConfig(), img_channels=1, img_resolution=28, num_classes=0)


def test_a_train_step_lowers_the_loss_on_repeated_text_and_logs_bits():
    model = lm(lr=1e-2, warmup_steps=0)
    opt = model.configure_optimizers()["net"]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0]
    assert all(p.dim() >= 2 for p in opt.param_groups[0]["params"])
    tokens = model.encode("ROMEO: but soft, what light. " * 2)[None, :13].repeat(4, 1)

    def update(loss, name):
        loss.backward()
        opt.step()
        opt.zero_grad()

    logs = [model.train_step({"tokens": tokens}, model.trainable(), update) for _ in range(30)]
    assert logs[-1]["loss"] < logs[0]["loss"] / 2
    assert logs[0]["bpc"] == pytest.approx(logs[0]["loss"] / math.log(2))
    assert logs[0]["loss"] == pytest.approx(math.log(len(VOCAB)), abs=0.3)  # near-uniform at initialisation
