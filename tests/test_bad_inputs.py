"""Bad input across every subcommand: exit code 2, one line naming the bad value, no traceback, and no
file written, changed or removed. Later commands add their rows to CASES.

A row is (argv, expected text in the message); {gan}, {dae}, {lm}, {ws} and {damaged:KIND} are filled from the
fixtures below: three tiny trained runs (a GAN, a denoising AE, a character GPT), damaged copies of the GAN run, and a folder of awkward files.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genlab.cli import main

CASES = [
    # -- train: presets, YAML, overrides ------------------------------------------------------------
    (["train", "--preset", "nope"], "preset 'nope' is unknown"),
    (["train", "--preset", "{ws}/missing.yaml"], "missing.yaml' does not exist"),
    (["train", "--preset", "{ws}/broken.yaml"], "broken.yaml' is not valid YAML at line 3"),
    (["train", "--preset", "{ws}/latin1.yaml"], "latin1.yaml' is not UTF-8"),
    (["train", "--preset", "{ws}/list.yaml"], "list.yaml' must be a YAML mapping"),
    (["train", "--preset", "{ws}/adir"], "adir' is a folder"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.seed=["], "--set 'train.seed=[' is not valid YAML"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "noequals"], "override 'noequals' is not of the form"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.lr=1"], "config key 'train.lr' is unknown"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "model.nope=1"], "'model.nope' is unknown"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.batch_size=abc"], "must be an integer, got 'abc'"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.batch_size=0"], "train.batch_size must be >= 1, got 0"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.seed=99999999999"], "got 99999999999"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.minutes=-1"], "train.minutes must be > 0, got -1"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.lr_decay_epochs=-1"], "got -1"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.epochs=.nan"], "train.epochs must be a finite number"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "model.net_args={width: 0}"], "net_args.width must be >= 1, got 0"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "model.net_args={width: -3}"], "must be >= 1, got -3"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "model.lr_g=-1"], "model.lr_g (a learning rate) must be > 0"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "model.beta1=1.5"], "model.beta1 (an Adam beta)"),
    (["train", "--preset", "vae-mlp-bmnist", "--set", "model.net_args={hidden: 0}"], "net_args.hidden must be >= 1"),
    # -- train: numbers on the command line ----------------------------------------------------------
    (["train", "--preset", "seed-dcgan-mnist", "--batch-size", "0"], "--batch-size: 0 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--batch-size", "-4"], "--batch-size: -4 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--seed", "18446744073709551616"], "18446744073709551616 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--seed", "-1"], "--seed: -1 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--steps", "0"], "--steps: 0 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--steps", "-5"], "--steps: -5 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--steps", "abc"], "'abc' is not a whole number"),
    (["train", "--preset", "seed-dcgan-mnist", "--epochs", "0"], "--epochs: 0 is out of range"),
    (["train", "--preset", "seed-dcgan-mnist", "--minutes", "nan"], "nan is not a finite number"),
    (["train", "--preset", "seed-dcgan-mnist", "--precision", "fp8"], "invalid choice: 'fp8'"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train"], "train needs --preset NAME"),
    # -- train: device, data and paths, all refused before a run folder exists ---------------------------
    (["train", "--preset", "seed-dcgan-mnist", "{tiny}", "--precision", "fp16", "--device", "cpu"],
     "'fp16' needs a CUDA device"),
    (["train", "--preset", "seed-dcgan-mnist", "{tiny}", "--device", "cuda"], "'cuda' was asked for"),
    (["train", "--preset", "seed-dcgan-mnist", "{tiny}", "--device", "gpu"], "'gpu' is not a device"),
    (["train", "--preset", "seed-dcgan-mnist", "{tiny}", "--batch-size", "1000"],
     "train.batch_size 1000 is larger than the dataset"),
    (["train", "--preset", "seed-dcgan-mnist", "{tiny}", "--out", "{ws}/afile.txt"], "afile.txt' is a file"),
    (["train", "--preset", "seed-dcgan-mnist", "{tiny}", "--run-dir", "{ws}/afile.txt"], "afile.txt' is a file"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "data.name=npz", "--set", "data.path={ws}/missing.npz"],
     "missing.npz"),
    # -- train: resume ---------------------------------------------------------------------------------
    (["train", "--resume", "{ws}/nothere"], "'{ws}/nothere' does not exist"),
    (["train", "--resume", "{gan}", "--preset", "dae-mnist"], "--preset 'dae-mnist' (ae) cannot resume it"),
    (["train", "--resume", "{gan}", "--batch-size", "8"], "cannot be resumed with batch size 8"),
    (["train", "--resume", "{damaged:model}", "--steps", "9"], "model.safetensors' is damaged"),
    (["train", "--resume", "{damaged:state}", "--steps", "9"], "train_state.safetensors' is damaged"),
    (["train", "--resume", "{damaged:config}", "--steps", "9"], "config.json' is damaged (not valid JSON"),
    (["train", "--resume", "{damaged:config_list}", "--steps", "9"], "expected a JSON object, got list"),
    (["train", "--resume", "{damaged:summary}", "--steps", "9"], "summary.json' is damaged"),
    (["train", "--resume", "{damaged:latent}", "--steps", "9"], "does not fit its config.json"),
    (["train", "--resume", "{damaged:state_json}", "--steps", "9"], "train_state.json' is damaged"),
    # -- sample ----------------------------------------------------------------------------------------
    (["sample", "{ws}/nothere"], "'{ws}/nothere' does not exist"),
    (["sample", "{ws}/adir"], "is neither a checkpoint folder"),
    (["sample", "{gan}", "--seeds", "a-b"], "seeds 'a-b' is not a list of numbers"),
    (["sample", "{gan}", "--seeds", "5-3"], "seeds range '5-3' ends before it starts"),
    (["sample", "{gan}", "--seeds", "0-100000000000"], "seeds '0-100000000000' names more than"),
    (["sample", "{gan}", "--seeds", "18446744073709551616"], "seeds '18446744073709551616' goes beyond"),
    (["sample", "{gan}", "--seeds", "-5"], "seeds '-5' is not a list of numbers >= 0"),
    (["sample", "{gan}", "--seeds", ""], "seeds '' is not a list"),
    (["sample", "{gan}", "--out", "{ws}/adir"], "--out '{ws}/adir' is a folder"),
    (["sample", "{gan}", "--npz", "{ws}/adir"], "--npz '{ws}/adir' is a folder"),
    (["sample", "{gan}", "--out", "{ws}/afile.txt/grid.png"], "afile.txt' is a file, not a folder"),
    (["sample", "{gan}", "--individual", "{ws}/afile.txt"], "--individual '{ws}/afile.txt' is a file"),
    (["sample", "{dae}", "--truncation", "0.7"], "--truncation 0.7 applies to GAN runs"),
    (["sample", "{gan}", "--truncation", "0"], "--truncation: 0 is out of range"),
    (["sample", "{gan}", "--batch-size", "0"], "--batch-size: 0 is out of range"),
    (["sample", "{gan}", "--device", "cuda"], "--device 'cuda' was asked for"),
    (["sample", "{gan}", "--labels", "0-3"], "--labels was given, but this model is not class-conditional"),
    (["sample", "{gan}", "--best-of", "0"], "best-of must be an integer >= 1, got 0"),
    (["sample", "{dae}", "--best-of", "2"], "discriminator guidance needs a GAN run"),
    (["sample", "{damaged:model}"], "model.safetensors' is damaged"),
    (["sample", "{damaged:config}"], "config.json' is damaged"),
    (["sample", "{damaged:config_list}"], "expected a JSON object, got list"),
    (["sample", "{damaged:config_bad_value}"], "holds an invalid config (train.batch_size must be >= 1"),
    (["sample", "{damaged:latent}"], "does not fit its config.json"),
    (["sample"], "the following arguments are required: RUN_OR_CHECKPOINT"),
    # -- reconstruct, denoise, inpaint -------------------------------------------------------------------
    (["reconstruct", "{dae}", "{ws}/notimage.png"], "notimage.png' is not an image"),
    (["reconstruct", "{dae}", "{ws}/large.png"], "declares 9000x9000 pixels, over the limit"),
    (["reconstruct", "{dae}", "{ws}/huge.png"], "huge.png' declares over the limit of 67,108,864 pixels"),
    (["reconstruct", "{dae}", "{ws}/color.png"], "color.png' is a color image"),
    (["reconstruct", "{dae}", "{ws}/big32.png"], "holds 32x32 images, but the model takes 28x28"),
    (["reconstruct", "{dae}", "{ws}/missing.png"], "missing.png' does not exist"),
    (["reconstruct", "{dae}", "{ws}/empty_dir"], "empty_dir' holds no images"),
    (["reconstruct", "{dae}", "--images", "{ws}/d.npz", "--n", "-3"], "--n: -3 is out of range"),
    (["reconstruct", "{dae}", "--images", "{ws}/d.npz", "--n", "0"], "--n: 0 is out of range"),
    (["reconstruct", "{dae}"], "needs images"),
    (["reconstruct", "{dae}", "--images", "{ws}/d.npz", "--out", "{ws}/adir"], "--out '{ws}/adir' is a folder"),
    (["reconstruct", "{dae}", "--images", "{ws}/d.npz", "--npz", "{ws}/adir"], "--npz '{ws}/adir' is a folder"),
    (["reconstruct", "{dae}", "--images", "{ws}/d.npz", "--label", "-1"], "--label: -1 is out of range"),
    (["reconstruct", "{dae}", "--images", "{ws}/d.npz", "--device", "cuda:7"], "'cuda:7'"),
    (["reconstruct", "{dae}", "--images", "{ws}/notnpz.npz"], "notnpz.npz"),
    (["denoise", "{dae}", "--images", "{ws}/d.npz", "--noise", "gaussian:x"], "corruption 'gaussian:x' needs a number"),
    (["denoise", "{dae}", "--images", "{ws}/d.npz", "--noise", "saltpepper:1.5"], "'saltpepper:1.5': the probability"),
    (["denoise", "{dae}", "--images", "{ws}/d.npz", "--noise", "blur:3"], "corruption 'blur' is unknown"),
    (["denoise", "{dae}", "--images", "{ws}/d.npz", "--seed", "-1"], "--seed: -1 is out of range"),
    (["inpaint", "{dae}", "--images", "{ws}/d.npz", "--mask", "random:1.5"], "mask 'random:1.5': the probability"),
    (["inpaint", "{dae}", "--images", "{ws}/d.npz", "--mask", "random:x"], "mask 'random:x' needs a probability"),
    (["inpaint", "{dae}", "--images", "{ws}/d.npz", "--mask", "{ws}/notimage.png"], "notimage.png' is not an image"),
    (["inpaint", "{dae}", "--images", "{ws}/d.npz", "--mask", "{ws}/big32.png"], "big32.png' is 32x32"),
    (["inpaint", "{dae}", "--images", "{ws}/d.npz", "--mask", "diagonal"], "mask 'diagonal' is unknown"),
    (["inpaint", "{dae}", "--images", "{ws}/d.npz", "--iterations", "0"], "--iterations: 0 is out of range"),
    # -- interpolate, traverse -------------------------------------------------------------------------
    (["interpolate", "{gan}", "--from", "0", "--to", "1", "--steps", "1"], "--steps: 1 is out of range"),
    (["interpolate", "{gan}", "--from", "0"], "the following arguments are required: --to"),
    (["interpolate", "{gan}", "--from", "0", "--to", "1", "--out", "{ws}/adir"], "--out '{ws}/adir' is a folder"),
    (["interpolate", "{gan}", "--from", "0", "--to", "1", "--gif", "{ws}/adir"], "--gif '{ws}/adir' is a folder"),
    (["interpolate", "{dae}", "--from", "{ws}/notimage.png", "--to", "1"], "notimage.png' is not an image"),
    (["interpolate", "{dae}", "--from", "{ws}/huge.png", "--to", "1"], "huge.png' declares over the limit"),
    (["interpolate", "{gan}", "--from", "99999999999999999999", "--to", "1"], "seed 99999999999999999999 is out of range"),
    (["interpolate", "{dae}", "--from", "{ws}/color.png", "--to", "1"], "color.png' is a color image"),
    (["traverse", "{gan}", "--steps", "0"], "--steps: 0 is out of range"),
    (["traverse", "{gan}", "--dims", "0-1000"], "latent dimension"),
    (["traverse", "{gan}", "--dims", "x"], "dims 'x' is not a list of numbers"),
    (["traverse", "{gan}", "--dims", "0-100000000000"], "dims '0-100000000000' names more than"),
    (["traverse", "{gan}", "--range", "0", "nan"], "nan is not a finite number"),
    (["traverse", "{gan}", "--out", "{ws}/adir"], "--out '{ws}/adir' is a folder"),
    # -- eval --------------------------------------------------------------------------------------------
    (["eval", "{gan}", "--metrics", ","], "--metrics ',' names no protocol"),
    (["eval", "{gan}", "--metrics", "fid3k"], "'fid3k'"),
    (["eval", "{gan}", "--metrics", "fid1k", "--device", "cuda"], "--device 'cuda' was asked for"),
    (["eval", "{gan}", "--metrics", "fid1k", "--n", "0"], "--n: 0 is out of range"),
    (["eval", "{gan}", "--metrics", "fid1k", "--batch-size", "0"], "--batch-size: 0 is out of range"),
    (["eval", "{gan}", "--metrics", "fid1k", "--seed", "-1"], "--seed: -1 is out of range"),
    (["eval", "{gan}", "--metrics", "fid1k", "--truncation", "-1"], "--truncation: -1 is out of range"),
    (["eval", "{dae}", "--metrics", "fid1k", "--truncation", "1.5"], "truncation needs a GAN run"),
    (["eval", "{damaged:summary}", "--metrics", "fid1k"], "summary.json' is damaged"),
    (["eval", "{gan}", "--real", "mnist:test"], "give either a RUN, or --real and --fake"),
    (["eval", "--real", "{ws}/adir", "--fake", "{ws}/d.npz", "--metrics", "fid1k"], "adir' holds no images"),
    (["eval", "--real", "{ws}/d.npz", "--fake", "{ws}/d.npz", "--n", "5"], "--n applies to the likelihood"),
    (["eval", "--real", "{ws}/d.npz", "--fake", "{ws}/d.npz", "--metrics", ","], "--metrics ',' names no protocol"),
    (["eval", "--real", "{ws}/d.npz"], "eval needs a RUN folder, or both --real and --fake"),
    (["eval", "{gan}", "--metrics", "psnr_y,ssim_y"], "psnr_y, ssim_y compare an image-to-image model's outputs"),
    (["eval", "{gan}", "--metrics", "fid1k", "--hr", "{ws}/adir"], "--hr/--lr are the test images of the paired"),
    (["eval", "--real", "{ws}/d.npz", "--fake", "{ws}/d.npz", "--lr", "{ws}/adir"], "--hr/--lr are the test images"),
    (["eval", "{gan}", "--metrics", "pairs500"], "pairs500 does not apply to '{gan}', a gan run; measure it with fid10k"),
    # -- upscale, stylize --------------------------------------------------------------------------------
    (["upscale", "{gan}", "{ws}/color.png", "--out", "{ws}/up"], "is a gan run; upscaling needs a super-resolution"),
    (["upscale", "{ws}/missing_run", "{ws}/color.png", "--out", "{ws}/up"], "missing_run' does not exist"),
    (["upscale", "{gan}", "{ws}/color.png", "--out", "{ws}/up", "--tile", "4"], "--tile: 4 is out of range"),
    (["upscale", "{gan}", "{ws}/color.png", "--out", "{ws}/up", "--scale", "8"], "--scale: 8 is out of range"),
    (["upscale", "{gan}", "{ws}/color.png"], "the following arguments are required: --out"),
    (["stylize", "{ws}/missing.png", "--style", "klimt", "--out", "{ws}/s.png"], "missing.png' does not exist"),
    (["stylize", "{ws}/notimage.png", "--style", "klimt", "--out", "{ws}/s.png"], "notimage.png"),
    (["stylize", "{ws}/color.png", "--style", "van-gogh", "--out", "{ws}/s.png"], "style 'van-gogh' is unknown"),
    (["stylize", "{ws}/color.png", "--style", "klimt", "--out", "{ws}/adir"], "adir' is a folder"),
    (["stylize", "{ws}/color.png", "--style", "klimt", "--out", "{ws}/s.png", "--size", "0"], "--size: 0 is out of range"),
    (["stylize", "{ws}/color.png", "--style", "klimt", "--out", "{ws}/s.png", "--steps", "0"], "--steps: 0 is out of range"),
    (["stylize", "{ws}/color.png", "--style", "klimt", "--out", "{ws}/s.png", "--style-weight", "-1"], "-1 is out of range"),
    (["stylize", "{ws}/color.png", "--style", "klimt", "--out", "{ws}/s.png", "--scales", "0"], "--scales: 0 is out of range"),
    (["stylize", "{ws}/color.png", "--style", "{ws}/color.png", "--out", "{ws}/s.png", "--size", "64", "--scales", "3"],
     "scales 3: the coarsest scale of size 64 would be 16 pixels; expected >= 32"),
    # stylize with a trained style run (--run): wrong kind of run, Gatys-only options, bad numbers
    (["stylize", "{ws}/color.png", "--run", "{gan}", "--out", "{ws}/s.png"], "is a gan run; stylize --run needs a style-transfer"),
    (["stylize", "{ws}/color.png", "--run", "{ws}/missing_run", "--out", "{ws}/s.png"], "missing_run' does not exist"),
    (["stylize", "{ws}/color.png", "--run", "{gan}", "--out", "{ws}/s.png", "--steps", "5"], "--steps is an option of Gatys"),
    (["stylize", "{ws}/color.png", "--run", "{gan}", "--out", "{ws}/s.png", "--scales", "2"], "--scales is an option of Gatys"),
    (["stylize", "{ws}/color.png", "--out", "{ws}/s.png"], "stylize needs --style STYLE"),
    (["stylize", "{ws}/color.png", "--style", "klimt", "--alpha", "0.5", "--out", "{ws}/s.png"], "--alpha needs --run"),
    (["stylize", "{ws}/color.png", "--run", "{gan}", "--alpha", "-1", "--out", "{ws}/s.png"], "--alpha: -1 is out of range"),
    (["stylize", "{ws}/color.png", "--run", "{gan}", "--tile", "8", "--out", "{ws}/s.png"], "--tile: 8 is out of range"),
    # -- export ---------------------------------------------------------------------------------------
    (["export", "{gan}", "--format", "tflite", "--out", "{ws}/g.onnx"], "invalid choice: 'tflite'"),
    (["export", "{gan}", "--out", "{ws}/g.onnx"], "the following arguments are required: --format"),
    (["export", "{gan}", "--format", "onnx"], "the following arguments are required: --out"),
    (["export", "{gan}", "--format", "onnx", "--out", "{ws}/adir"], "--out '{ws}/adir' is a folder; expected a file"),
    (["export", "{gan}", "--format", "web", "--out", "{ws}/afile.txt"], "--out '{ws}/afile.txt' is a file; expected a folder"),
    (["export", "{ws}/missing_run", "--format", "onnx", "--out", "{ws}/g.onnx"], "missing_run' does not exist"),
    (["export", "{damaged:model}", "--format", "onnx", "--out", "{ws}/g.onnx"], "model.safetensors' is damaged"),
    (["export", "{damaged:latent}", "--format", "web", "--out", "{ws}/page"], "does not fit its config.json"),
    # -- text: generate, and text runs meeting image commands (and the reverse) ---------------------------
    (["generate", "{gan}"], "is a gan run of images; this command needs a language-model run"),
    (["generate", "{lm}", "--prompt", "Zürich€"], "4 character(s) outside the model's vocabulary: 'Z', 'i', 'ü', '€'"),
    (["generate", "{lm}", "--prompt", ""], "the prompt is empty"),
    (["generate", "{lm}", "--max-new-tokens", "0"], "--max-new-tokens: 0 is out of range"),
    (["generate", "{lm}", "--temperature", "-1"], "--temperature: -1 is out of range"),
    (["generate", "{lm}", "--temperature", "nan"], "nan is not a finite number"),
    (["generate", "{lm}", "--top-k", "0"], "--top-k: 0 is out of range"),
    (["generate", "{lm}", "--n", "0"], "--n: 0 is out of range"),
    (["generate", "{lm}", "--device", "cuda"], "'cuda' was asked for"),
    (["generate", "{ws}/nothere"], "'{ws}/nothere' does not exist"),
    (["generate"], "the following arguments are required: RUN_OR_CHECKPOINT"),
    (["sample", "{lm}"], "is a language-model (lm) run of text; this command needs an image run"),
    (["interpolate", "{lm}", "--from", "0", "--to", "1"], "is a lm run; interpolating between texts needs a text VAE"),
    (["interpolate", "{gan}", "--from", "But soft", "--to", "1"], "But soft"),
    (["eval", "{lm}", "--metrics", "val_bpc", "--n", "0"], "--n: 0 is out of range"),
    (["reconstruct", "{lm}", "--images", "{ws}/d.npz"], "is a language-model (lm) run of text"),
    (["upscale", "{lm}", "{ws}/color.png", "--out", "{ws}/up"], "is a lm run; upscaling needs a super-resolution"),
    (["eval", "{lm}", "--metrics", "fid1k"], "fid1k measure image models; '{lm}' is a language-model (lm) run"),
    (["eval", "{gan}", "--metrics", "val_bpc"], "val_bpc measure language models; '{gan}' is a gan run"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.name=text", "--set", "data.path={ws}/empty.txt"],
     "empty.txt' is empty"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.name=text", "--set", "data.path={ws}/binary.txt"],
     "binary.txt' is not a text file (it holds NUL bytes"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.name=text", "--set", "data.path={ws}/latin1.yaml"],
     "latin1.yaml' is not UTF-8 text (byte 16)"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.name=text", "--set", "data.path={ws}/afile.txt"],
     "too few for one window of data.block_size 128"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.name=text", "--set", "data.path={ws}/missing.txt"],
     "text path '{ws}/missing.txt' does not exist"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "data.block_size=64"], "data.block_size is for text corpora"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.name=npz", "--set", "data.path={ws}/d.npz",
      "--set", "data.block_size=null"], "family 'lm' models text, but data 'npz' gives images"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "data.name=text", "--set", "data.path={ws}/sonnet.txt"],
     "family 'gan' models images, but data 'text' gives text"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "model.net=dcgan"], "model.net 'dcgan' is not a language"),
    (["train", "--preset", "gpt-shakespeare-char", "--set", "data.block_size=0"], "data.block_size must be"),
    # -- demo, data, presets, the command itself -------------------------------------------------------
    (["demo", "--metrics", "fid3k"], "'fid3k'"),
    (["demo", "--metrics", ","], "--metrics ',' names no protocol"),
    (["demo", "--minutes", "0"], "--minutes: 0 is out of range"),
    (["demo", "--out", "{ws}/afile.txt"], "--out '{ws}/afile.txt' is a file"),
    (["studio"], "--runs 'runs' is not a folder"),
    (["studio", "--runs", "{ws}/missing"], "--runs '{ws}/missing' is not a folder"),
    (["studio", "--runs", "{ws}/afile.txt"], "--runs '{ws}/afile.txt' is not a folder"),
    (["studio", "--runs", "{ws}/runs", "--port", "0"], "--port: 0 is out of range; expected 1-65535"),
    (["studio", "--runs", "{ws}/runs", "--port", "70000"], "--port: 70000 is out of range; expected 1-65535"),
    (["studio", "--runs", "{ws}/runs", "--port", "http"], "--port: 'http' is not a whole number"),
    # -- translate ------------------------------------------------------------------------------------
    (["translate", "{gan}", "{ws}/color.png", "--out", "{ws}/tr"], "is a gan run; translate needs a translation run"),
    (["translate", "{p2p}", "{ws}/color.png", "--out", "{ws}/tr", "--direction", "b2a"], "inputs to targets only"),
    (["translate", "{p2p}", "{ws}/color.png", "--out", "{ws}/tr", "--direction", "c2d"], "invalid choice: 'c2d'"),
    (["translate", "{p2p}", "{ws}/notimage.png", "--out", "{ws}/tr"], "notimage.png' is not an image"),
    (["translate", "{p2p}", "{ws}/missing.png", "--out", "{ws}/tr"], "missing.png' does not exist"),
    (["translate", "{p2p}", "{ws}/empty_dir", "--out", "{ws}/tr"], "empty_dir' has no images"),
    (["translate", "{p2p}", "{ws}/large.png", "--out", "{ws}/tr"], "over the limit"),
    (["translate", "{p2p}", "{ws}/tiny4.png", "--out", "{ws}/tr"], "needs at least 8x8 pixels"),
    (["translate", "{p2p}", "{ws}/color.png", "--out", "{ws}/afile.txt"], "afile.txt"),
    (["translate", "{p2p}", "{ws}/color.png", "--out", "{ws}/translated"], "color_a2b.png' already exists"),
    (["translate", "{p2p}", "{ws}/color.png"], "the following arguments are required: --out"),
    (["data", "info", "mnst"], "dataset 'mnst' is unknown (did you mean 'mnist'?)"),
    (["data", "info", "npz"], "dataset 'npz' needs a path: npz:FILE.npz"),
    (["data", "info", "npz:{ws}/missing.npz"], "missing.npz' does not exist"),
    (["data", "info", "mnist:val"], "split 'val' is unknown"),
    (["data", "fetch", "folder"], "nothing to fetch"),
    (["data", "explode"], "invalid choice: 'explode'"),
    (["data", "info"], "needs a dataset name"),
    # -- audio: runs, sets and files -----------------------------------------------------------------------
    (["sample", "{audio}", "--labels", "7"], "label 7 is out of range; this model has classes 0-1"),
    (["sample", "{audio}", "--n", "0"], "--n: 0 is out of range"),
    (["sample", "{audio}", "--n", "2", "--npz", "{ws}/x.npz"], "--npz, --truncation and discriminator guidance are for image runs"),
    (["sample", "{audio}", "--n", "2", "--out", "{ws}/afile.txt"], "--out '{ws}/afile.txt' is a file"),
    (["sample", "{audio}", "--n", "2", "--out", "{ws}/afile.txt/clips"], "afile.txt"),
    (["eval", "{audio}", "--metrics", "fid10k"], "is an audio run; measure it with digits1k"),
    (["eval", "{gan}", "--metrics", "digits1k"], "digits1k measure audio generators"),
    (["enhance", "baseline:wiener", "{ws}/missing.wav", "--out", "{ws}/o.wav"], "'{ws}/missing.wav' does not exist"),
    (["enhance", "baseline:wiener", "{ws}/afile.txt", "--out", "{ws}/o.wav"], "is not an audio file libsndfile can read"),
    (["enhance", "baseline:wiener", "{ws}/badaudio/silent.wav", "--out", "{ws}/o.wav"], "silent.wav' is silent"),
    (["enhance", "baseline:wiener", "{ws}/empty.wav", "--out", "{ws}/o.wav"], "empty.wav' holds no samples"),
    (["enhance", "baseline:wiener", "{ws}/badaudio/empty.flac", "--out", "{ws}/o.wav"], "is not an audio file"),
    (["enhance", "baseline:median", "{ws}/wavs/a/0.wav", "--out", "{ws}/o.wav"], "baseline 'median' is unknown"),
    (["enhance", "{gan}", "{ws}/wavs/a/0.wav", "--out", "{ws}/o.wav"], "is a gan run; enhance needs an enhance run"),
    (["enhance", "{audio}", "{ws}/wavs/a/0.wav", "--out", "{ws}/o.wav"], "is a audio-gan run; enhance needs"),
    (["enhance", "baseline:wiener", "{ws}/wavs/a/0.wav", "--out", "{ws}/adir"], "--out '{ws}/adir' is a folder"),
    (["enhance", "baseline:wiener", "{ws}/wavs/a/0.wav", "--out", "{ws}/wavs/a/0.wav"], "is the input file"),
    (["enhance", "baseline:wiener", "{ws}/wavs/a/0.wav", "--out", "{ws}/o.wav", "--chunk", "0"], "--chunk: 0 is out of range"),
    (["enhance", "baseline:wiener", "{ws}/wavs/a/0.wav", "--out", "{ws}/o.wav", "--overlap", "5"],
     "must be shorter than the chunk"),
    (["enhance", "baseline:wiener", "{ws}/wavs/a/0.wav"], "the following arguments are required: --out"),
    (["train", "--preset", "enhance-digits", "--set", "data.degradation=noise:9:1"], "noise:LOW:HIGH"),
    (["train", "--preset", "enhance-digits", "--set", "model.net=wavegan"], "enhancer net 'wavegan' is unknown"),
    (["data", "info", "audio-folder"], "dataset 'audio-folder' needs a path"),
    (["data", "info", "audio-folder:{ws}/missing"], "audio folder '{ws}/missing' does not exist"),
    (["data", "info", "audio-folder:{ws}/adir"], "holds no audio files"),
    (["data", "info", "audio-folder:{ws}/badaudio"], "no usable audio in '{ws}/badaudio': all 3 files failed"),
    (["data", "info", "spoken-digits:val"], "spoken-digits has splits train and test, not 'val'"),
    (["data", "info", "drums:val"], "drums has splits train and test, not 'val'"),
    (["data", "info", "music:val"], "music has splits train and test, not 'val'"),
    (["data", "fetch", "music:valid"], "music has splits train and test, not 'valid'"),
    (["data", "info", "drums-folder"], "dataset 'drums-folder' needs a path"),
    (["data", "info", "drums-folder:{ws}/adir"], "drum folder '{ws}/adir' holds no audio files"),
    (["data", "info", "drums-folder:{ws}/badaudio"], "no usable one-shots in '{ws}/badaudio'"),
    (["data", "fetch", "drums-folder:{ws}/adir"], "dataset 'drums-folder' is read from your own files; nothing to fetch"),
    (["data", "fetch", "audio-folder:{ws}/adir"], "nothing to fetch"),
    (["train", "--preset", "wavegan-digits", "--set", "data.name=audio-folder", "--set", "data.path={ws}/badaudio",
      "{tiny_audio}"], "no usable audio in '{ws}/badaudio'"),
    (["train", "--preset", "wavegan-digits", "--set", "data.name=audio-folder", "--set", "data.path={ws}/wavs",
      "--set", "data.audio_length=1000", "{tiny_audio}"], "clips of 16 x 4^k samples"),
    (["train", "--preset", "wavegan-digits", "--set", "data.name=audio-folder", "--set", "data.path={ws}/wavs",
      "--set", "data.patch_size=16", "{tiny_audio}"], "data.patch_size is for images"),
    (["train", "--preset", "wavegan-digits", "--set", "model.net=dcgan"], "audio GAN net 'dcgan' is unknown"),
    (["train", "--preset", "specgan-digits", "--set", "data.name=audio-folder", "--set", "data.path={ws}/wavs",
      "--set", "data.audio_length=1000", "{tiny_audio}"], "specgan needs clips of a square number of samples"),
    (["train", "--preset", "vae-mel-digits", "--set", "data.name=audio-folder", "--set", "data.path={ws}/wavs",
      "--set", "data.audio_length=1024", "{tiny_audio}"], "the mel VAE needs square spectrograms"),
    (["train", "--preset", "enhance-digits-long", "--set", "data.name=audio-folder", "--set", "data.path={ws}/wavs",
      "--set", "data.recording_length=20000", "{tiny_audio}"],
     "data.recording_length 20000 must be a number of samples >= 32000 (2 clips of 16000 samples)"),
    (["train", "--preset", "dcgan-mnist", "--set", "data.recording_length=48000"],
     "data.recording_length joins clips of audio sets"),
    (["train", "--preset", "vae-mel-digits", "--set", "model.griffin_lim_iters=-1"], "model.griffin_lim_iters must be >= 0"),
    (["interpolate", "{audio}", "--from", "{ws}/wavs/a/0.wav", "--to", "1"], "has no encoder to map a clip"),
    (["interpolate", "{audio}", "--from", "0", "--to", "1", "--gif", "{ws}/w.gif"], "--gif is for image runs"),
    (["traverse", "{audio}", "--dims", "0"], "is an audio (audio-gan) run; genlab traverse works on image runs"),
    (["interpolate", "{audio}", "--from", "0", "--to", "1", "--out", "{ws}/afile.txt"], "--out '{ws}/afile.txt' is a file"),
    (["presets", "--bogus"], "unrecognized arguments: --bogus"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
]


def test_the_table_covers_every_subcommand_with_enough_cases():
    from genlab.cli import build_parser

    parser = build_parser()
    commands = set(next(a for a in parser._actions if a.dest == "command").choices)
    assert commands <= {argv[0] for argv, _ in CASES}
    assert len(CASES) >= 80


# -- fixtures ----------------------------------------------------------------------------------------------

def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (its data is a few bytes: a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _damage(run: Path, kind: str, dest: Path) -> Path:
    """A copy of `run` with one kind of damage."""
    shutil.copytree(run, dest)
    ckpt = sorted((dest / "checkpoints").glob("step_*"))[-1]
    if kind == "model":
        data = (ckpt / "model.safetensors").read_bytes()
        (ckpt / "model.safetensors").write_bytes(data[:len(data) // 2])
    elif kind == "state":
        data = (ckpt / "train_state.safetensors").read_bytes()
        (ckpt / "train_state.safetensors").write_bytes(data[:len(data) // 2])
    elif kind == "state_json":
        (ckpt / "train_state.json").write_text('{"step": 2, "optim')
    elif kind == "config":
        (ckpt / "config.json").write_text('{"config": {"family": "gan"')
    elif kind == "config_list":
        (ckpt / "config.json").write_text("[1, 2, 3]")
    elif kind in ("latent", "config_bad_value"):
        meta = json.loads((ckpt / "config.json").read_text())
        if kind == "latent":
            meta["config"]["model"]["latent_dim"] = meta["config"]["model"]["latent_dim"] + 3
        else:
            meta["config"]["train"]["batch_size"] = 0
        (ckpt / "config.json").write_text(json.dumps(meta))
    elif kind == "summary":
        (dest / "summary.json").write_text('{"status": "finis')
    return dest


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A folder with two tiny runs, damaged copies of the GAN run and awkward input files."""
    from genlab.config import load_config
    from genlab.train.loop import train

    root = tmp_path_factory.mktemp("ws")
    rng = np.random.default_rng(0)
    np.savez(root / "d.npz", x=(rng.random((64, 28, 28)) * 255).astype(np.uint8), y=rng.integers(0, 4, 64))
    common = ["data.name=npz", f"data.path={root / 'd.npz'}", "train.batch_size=16", "train.steps=2",
              "train.epochs=null", f"train.out={root / 'runs'}", "train.tensorboard=false", "train.n_samples=4"]
    gan = train(load_config("seed-dcgan-mnist", common + ["model.net_args={width: 8}"]), progress=False).path
    dae = train(load_config("dae-mnist", common + ["model.net_args={width: 4, hidden: 16}"]), progress=False).path
    (root / "sonnet.txt").write_text("Shall I compare thee to a summer's day?\nThou art more lovely and more "
                                     "temperate:\n" * 20, encoding="utf-8")
    text = [f"data.path={root / 'sonnet.txt'}", "data.name=text", "data.block_size=16", "train.batch_size=4",
            "train.steps=2", f"train.out={root / 'runs'}", "train.tensorboard=false",
            "model.net_args={n_layer: 1, n_head: 2, n_embd: 8}", "model.preview_chars=5"]
    lm = train(load_config("gpt-shakespeare-char", text), progress=False).path
    (root / "empty.txt").write_text("")
    (root / "binary.txt").write_bytes(b"PK\x03\x04\0\0binary")
    p2p = train(load_config("pix2pix-edges-fashion", common + ["model.width=4", "model.depth=2", "model.d_width=4"]),
                progress=False).path
    for kind in ("model", "state", "state_json", "config", "config_list", "config_bad_value", "latent", "summary"):
        _damage(gan, kind, root / "damaged" / kind)
    (root / "adir").mkdir()
    (root / "adir" / "readme.txt").write_text("not an image")
    (root / "empty_dir").mkdir()
    (root / "afile.txt").write_text("a file")
    (root / "notimage.png").write_text("this is text, not a PNG")
    (root / "notnpz.npz").write_text("this is text, not an npz")
    (root / "huge.png").write_bytes(_png_declaring(100_000, 100_000))  # PIL's own bomb check refuses it
    (root / "large.png").write_bytes(_png_declaring(9_000, 9_000))  # under PIL's limit, over genlab's
    colour = np.zeros((28, 28, 3), np.uint8)
    colour[..., 0] = 200
    Image.fromarray(colour).save(root / "color.png")
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(root / "big32.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "tiny4.png")
    (root / "translated").mkdir()
    (root / "translated" / "color_a2b.png").write_bytes(b"an earlier output")
    (root / "broken.yaml").write_text("family: gan\ntrain: {batch_size: [1, 2\n")
    (root / "latin1.yaml").write_bytes("description: caf\xe9\n".encode("latin-1"))
    (root / "list.yaml").write_text("- 1\n- 2\n")
    import soundfile
    (root / "wavs" / "a").mkdir(parents=True)
    (root / "wavs" / "b").mkdir()
    t = np.arange(1600) / 8000
    for i in range(4):
        soundfile.write(root / "wavs" / "ab"[i % 2] / f"{i}.wav", 0.5 * np.sin(2 * np.pi * (300 + 100 * i) * t), 8000)
    (root / "badaudio").mkdir()
    (root / "badaudio" / "text.wav").write_text("not audio")
    soundfile.write(root / "badaudio" / "silent.wav", np.zeros(800), 8000)
    soundfile.write(root / "badaudio" / "empty.flac", np.zeros(0), 16000, format="FLAC")
    soundfile.write(root / "empty.wav", np.zeros(0), 16000)
    audio = train(load_config("wavegan-digits", [
        "data.name=audio-folder", f"data.path={root / 'wavs'}", "data.audio_length=256", "model.net_args={width: 2}",
        "model.n_critic=1", "train.batch_size=2", "train.steps=1", "train.minutes=null", f"train.out={root / 'runs'}",
        "train.tensorboard=false", "train.n_samples=2"]), progress=False).path
    tiny = ["--set", "data.name=npz", "--set", f"data.path={root / 'd.npz'}", "--set", "train.tensorboard=false",
            "--set", f"train.out={root / 'new_runs'}", "--steps", "1"]
    tiny_audio = ["--set", "model.net_args={width: 2}", "--set", "train.tensorboard=false", "--set",
                  f"train.out={root / 'new_runs'}", "--steps", "1", "--batch-size", "2"]
    return {"ws": str(root), "gan": str(gan), "dae": str(dae), "lm": str(lm), "audio": str(audio), "p2p": str(p2p),
            "tiny": tiny, "tiny_audio": tiny_audio}


def _fill(argv: list[str], ws: dict) -> list[str]:
    out = []
    for arg in argv:
        if arg in ("{tiny}", "{tiny_audio}"):
            out.extend(ws[arg[1:-1]])
            continue
        if arg.startswith("{damaged:"):
            arg = str(Path(ws["ws"]) / "damaged" / arg[len("{damaged:"):-1])
        out.append(_placeholders(arg, ws))
    return out


def _placeholders(text: str, ws: dict) -> str:
    for key in ("ws", "gan", "dae", "lm", "audio", "p2p"):
        text = text.replace("{" + key + "}", ws[key])
    return text


def _snapshot(*folders: Path) -> dict[str, str]:
    """Every file (and folder) under the folders, with a digest of its bytes."""
    found = {}
    for folder in folders:
        for p in sorted(Path(folder).rglob("*")):
            found[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return found


@pytest.mark.parametrize("argv, expected", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_and_changes_nothing(argv, expected, ws, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # default outputs (samples.png, runs/) would land here
    args = _fill(argv, ws)
    if any(a.startswith("cuda") for a in args) and __import__("torch").cuda.is_available():
        pytest.skip("a 'no CUDA device' case on a machine with one")
    before = _snapshot(Path(ws["ws"]), tmp_path)
    code = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("genlab: error: "), err
    assert _placeholders(expected, ws) in lines[0], lines[0]
    assert _snapshot(Path(ws["ws"]), tmp_path) == before


# -- the boundary itself -------------------------------------------------------------------------------------

def test_an_unexpected_exception_is_one_line_that_says_bug_and_points_to_debug(monkeypatch, capsys):
    import genlab.cli

    def broken(args):
        raise ValueError("something deep went wrong\nover two lines")

    monkeypatch.setattr(genlab.cli, "cmd_presets", broken)
    assert main(["presets"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "unexpected ValueError: something deep went wrong over two lines" in err
    assert "bug" in err and "--debug" in err
    with pytest.raises(ValueError):  # --debug, anywhere on the line, shows the traceback
        main(["presets", "--debug"])


def test_a_permission_error_is_the_users_to_fix_not_a_bug(monkeypatch, capsys):
    import genlab.cli

    def denied(args):
        raise PermissionError(13, "Permission denied", "/some/file")

    monkeypatch.setattr(genlab.cli, "cmd_presets", denied)
    assert main(["presets"]) == 2
    assert capsys.readouterr().err.strip() == "genlab: error: Permission denied '/some/file'"


def test_through_a_real_process_stderr_is_one_line(ws):
    """The same boundary as seen from a shell: no logging or warnings around the one line."""
    for argv, expected in [(["sample", "{damaged:model}"], "is damaged"),
                           (["train", "--steps", "x"], "see 'genlab train --help'"),
                           (["eval", "{damaged:summary}", "--metrics", "fid1k"], "summary.json' is damaged")]:
        result = subprocess.run([sys.executable, "-m", "genlab", *_fill(argv, ws)], capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr


def test_the_python_api_checks_the_run_parent_folder_too(ws, tmp_path):
    from genlab.config import load_config
    from genlab.errors import GenlabError
    from genlab.train.loop import train

    cfg = load_config("seed-dcgan-mnist", ["data.name=npz", f"data.path={ws['ws']}/d.npz", "train.steps=1",
                                           f"train.out={ws['ws']}/afile.txt/runs"])
    with pytest.raises(GenlabError, match="afile.txt' is a file, not a folder"):
        train(cfg, progress=False)


def test_data_info_takes_the_npz_form_it_asks_for(ws, capsys):
    assert main(["data", "info", f"npz:{ws['ws']}/d.npz", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "npz" and info["splits"]["all"]["count"] == 64


def test_two_image_sets_of_different_shapes_are_compared_with_a_warning(ws, tmp_path, monkeypatch, caplog):
    import genlab.metrics.evaluate as ev

    rng = np.random.default_rng(1)
    np.savez(tmp_path / "rgb32.npz", x=(rng.random((8, 32, 32, 3)) * 255).astype(np.uint8))
    monkeypatch.setattr(ev, "_evaluate", lambda protos, **kw: {"fid1k": 1.0})
    with caplog.at_level("WARNING"):
        ev.evaluate_sets(f"{ws['ws']}/d.npz", str(tmp_path / "rgb32.npz"), "fid1k")
    assert "28px with 1 channel(s)" in caplog.text and "32px with 3" in caplog.text


def test_an_output_folder_that_is_not_writable_is_refused_before_work(tmp_path, monkeypatch):
    """(Simulated: the tests may run as root, for whom every folder is writable.)"""
    import os

    from genlab.errors import GenlabError
    from genlab.io import check_output_dir, check_output_file

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(locked) else real_access(p, mode))
    with pytest.raises(GenlabError, match="folder '.*locked' is not writable"):
        check_output_file(locked / "grid.png", "--out")
    with pytest.raises(GenlabError, match="--individual '.*locked' is a folder that is not writable"):
        check_output_dir(locked, "--individual")
    check_output_file(tmp_path / "new" / "deeper" / "grid.png")  # missing parents are created later: fine
