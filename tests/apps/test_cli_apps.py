"""The application commands end to end: exit codes, files written, one-line errors."""
import json

import numpy as np
from PIL import Image

from genlab.cli import build_parser, main


def test_app_commands_have_help_with_examples():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in ("reconstruct", "denoise", "inpaint", "interpolate", "traverse"):
        text = sub.choices[name].format_help()
        assert "examples:" in text and f"genlab {name}" in text


def test_denoise_inpaint_reconstruct(dae_run, tmp_path, capsys):
    np.savez(tmp_path / "x.npz", x=(np.random.default_rng(0).random((6, 28, 28)) * 255).astype(np.uint8))
    assert main(["denoise", str(dae_run), str(tmp_path / "x.npz"), "--noise", "gaussian:0.3", "--n", "4",
                 "--out", str(tmp_path / "d.png"), "--npz", str(tmp_path / "d.npz"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["images"] == 4 and out["psnr_noisy"] > 0
    assert set(np.load(tmp_path / "d.npz").files) == {"input", "noisy", "output"}
    assert Image.open(tmp_path / "d.png").size == ((3 * 30 + 2) * 2, (4 * 30 + 2) * 2)

    assert main(["inpaint", str(dae_run), "--images", str(tmp_path / "x.npz"), "--mask", "center",
                 "--iterations", "2", "--out", str(tmp_path / "i.png"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["known_pixels_kept"] is True and out["images"] == 6
    assert main(["reconstruct", str(dae_run), "--images", str(tmp_path / "x.npz"), "--out", str(tmp_path / "r.png")]) == 0
    assert "psnr" in capsys.readouterr().out


def test_interpolate_and_traverse(gan_run, cvae_run, tmp_path):
    assert main(["interpolate", str(gan_run), "--from", "0", "--to", "1", "--steps", "4", "--slerp",
                 "--out", str(tmp_path / "w.png"), "--gif", str(tmp_path / "w.gif")]) == 0
    assert Image.open(tmp_path / "w.gif").n_frames == 6  # there and back
    assert main(["traverse", str(cvae_run), "--dims", "0-2", "--range", "-2", "2", "--steps", "3",
                 "--out", str(tmp_path / "t.png")]) == 0
    assert (tmp_path / "t.png").is_file()


def test_app_errors_are_one_line(dae_run, tmp_path, capsys):
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / "big.png")
    assert main(["denoise", str(dae_run), str(tmp_path / "big.png")]) == 2
    err = capsys.readouterr().err
    assert "holds 64x64 images, but the model takes 28x28" in err and "Traceback" not in err
    assert main(["inpaint", str(dae_run), "--images", "mnist:test", "--mask", "diagonal"]) == 2
    assert "mask 'diagonal' is unknown" in capsys.readouterr().err


def test_guided_sampling_from_the_cli(gan_run, dae_run, tmp_path, capsys):
    """--best-of / --langevin-steps sample a GAN run with its discriminator's help; other runs say no."""
    assert main(["sample", str(gan_run), "--seeds", "0-3", "--best-of", "2", "--langevin-steps", "2",
                 "--npz", str(tmp_path / "g.npz"), "--out", str(tmp_path / "g.png")]) == 0
    guided = np.load(tmp_path / "g.npz")["x"]
    assert main(["sample", str(gan_run), "--seeds", "0-3", "--npz", str(tmp_path / "p.npz"),
                 "--out", str(tmp_path / "p.png")]) == 0
    assert guided.shape == (4, 28, 28) and not np.array_equal(guided, np.load(tmp_path / "p.npz")["x"])
    capsys.readouterr()
    assert main(["sample", str(dae_run), "--best-of", "2"]) == 2
    err = capsys.readouterr().err
    assert "discriminator guidance needs a GAN run" in err and "Traceback" not in err
    assert main(["eval", str(dae_run), "--metrics", "fid1k", "--langevin-steps", "3"]) == 2
    assert "discriminator guidance needs a GAN run; " in capsys.readouterr().err
    assert main(["sample", str(gan_run), "--best-of", "0"]) == 2
    assert "best-of must be an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["eval", "--real", "mnist:test", "--fake", str(tmp_path / "p.npz"), "--truncation", "1"]) == 2
    assert "do not apply to --real/--fake image sets" in capsys.readouterr().err
