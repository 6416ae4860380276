"""Config: presets, dotted overrides cast to field types, unknown keys rejected with a suggestion."""
import pytest

from genlab.config import load_config, preset_names
from genlab.errors import ConfigError


def test_preset_loads_with_document_values():
    cfg = load_config("seed-dcgan-mnist")
    assert "seed-dcgan-mnist" in preset_names()
    assert (cfg.model.latent_dim, cfg.train.batch_size, cfg.model.lr_g, cfg.model.beta1) == (100, 64, 2e-4, 0.5)
    assert cfg.model.adam_eps == 1e-7 and cfg.data.name == "mnist"


def test_overrides_are_cast():
    cfg = load_config("seed-dcgan-mnist", ["train.batch_size=128", "model.lr_d=1e-4", "train.minutes=2",
                                           "train.eval_metrics=fid2k,kid10k", "train.channels_last=true"])
    assert cfg.train.batch_size == 128 and isinstance(cfg.train.batch_size, int)
    assert cfg.model.lr_d == 1e-4 and cfg.train.minutes == 2.0
    assert cfg.train.eval_metrics == ["fid2k", "kid10k"] and cfg.train.channels_last is True


@pytest.mark.parametrize("override, message", [
    ("train.batch_sise=3", "'train.batch_sise' is unknown (did you mean 'batch_size'?)"),
    ("train.batch_size=abc", "train.batch_size must be an integer, got 'abc'"),
    ("train.batch_size=0", "train.batch_size must be >= 1, got 0"),
    ("model.loss=hinj", "GAN loss 'hinj' is unknown (did you mean 'hinge'?)"),
    ("modle.net=x", "config key 'modle' is unknown (did you mean 'model'?)"),
    ("train.precision=fp8", "train.precision 'fp8' is unknown"),
    ("noequals", "is not of the form key.sub=value"),
])
def test_bad_overrides_name_the_problem(override, message):
    with pytest.raises(ConfigError, match=None) as info:
        load_config("seed-dcgan-mnist", [override])
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_preset_suggests():
    with pytest.raises(ConfigError, match="preset 'seed-dcgan-mnst' is unknown \\(did you mean 'seed-dcgan-mnist'"):
        load_config("seed-dcgan-mnst")
