"""The CLI's text commands (`generate`): each parses, calls one apps function, prints.

Kept apart from cli.py so that text adds its commands here without growing that file.
"""
from __future__ import annotations

import json
import sys

from genlab.cli import MAX_SEED, _float_in, _int_in, _parser


def cmd_generate(args) -> int:
    from genlab.apps.runs import open_run
    from genlab.apps.text import check_generation, generate_samples

    check_generation(args.max_new_tokens, args.temperature, args.top_k, args.n)
    run = open_run(args.run, args.device, modality="text")
    prompt = args.prompt.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if args.prompt else args.prompt
    prompt = prompt.replace("\\n", "\n")
    run.model.encode(prompt)  # refuse characters outside the vocabulary before anything is printed
    out = sys.stdout

    def stream(i: int, piece: str) -> None:
        out.write(piece)
        out.flush()

    if args.json:
        samples = generate_samples(run, prompt, n=args.n, seed=args.seed, max_new_tokens=args.max_new_tokens,
                                   temperature=args.temperature, top_k=args.top_k, use_cache=not args.no_cache)
        print(json.dumps({"run": str(run.path), "step": run.step, "prompt": prompt,
                          "samples": [{"seed": s.seed, "text": s.text, "seconds": round(s.seconds, 3),
                                       "chars_per_s": round(s.chars_per_s, 1)} for s in samples]}, indent=2))
        return 0
    done = 0

    def on_text(i: int, piece: str) -> None:
        nonlocal done
        if i != done:  # a new sample starts: a separator line between samples
            out.write(f"\n\n----- seed {args.seed + i} -----\n")
            done = i
        if piece is not None:
            stream(i, piece)

    if args.n > 1:
        out.write(f"----- seed {args.seed} -----\n")
    if args.echo_prompt:
        out.write(prompt)
    generate_samples(run, prompt, n=args.n, seed=args.seed, max_new_tokens=args.max_new_tokens,
                     temperature=args.temperature, top_k=args.top_k, use_cache=not args.no_cache, on_text=on_text)
    out.write("\n")
    return 0


def interpolate_text_report(args, run) -> int:
    """`genlab interpolate` on a text VAE run: the greedy decodes between --from and --to, one per line."""
    from genlab.apps.text import interpolate_text

    lines = interpolate_text(run, args.start, args.end, steps=args.steps)
    text = "\n".join(f"{i / (args.steps - 1):.2f}  {line!r}" for i, line in enumerate(lines))
    if args.json:
        print(json.dumps({"run": str(run.path), "from": args.start, "to": args.end, "lines": lines}, indent=2))
    else:
        print(text)
    return 0


def add_commands(sub) -> None:
    """The `generate` subcommand."""
    g = _parser(sub, "generate", "Generate text with a language-model run, streamed to stdout as it is produced.",
                '  genlab generate runs/00003-gpt-shakespeare-char --prompt "ROMEO:" --max-new-tokens 500 '
                "--temperature 0.8 --top-k 40 --seed 1\n"
                '  genlab generate RUN --prompt "JULIET:\\n" --n 3 --max-new-tokens 200\n'
                "  genlab generate RUN --temperature 0 --json   # the likeliest characters, as JSON")
    g.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    g.add_argument("--prompt", default="\n", help="text to continue (\\n for a newline; default a newline); "
                   "characters outside the run's vocabulary are refused, naming them")
    g.add_argument("--max-new-tokens", type=_int_in(1, 1_000_000), default=500, dest="max_new_tokens",
                   help="characters to generate (default 500; beyond the model's context the window slides)")
    g.add_argument("--temperature", type=_float_in(0), default=0.8, help="softmax temperature (0: the likeliest)")
    g.add_argument("--top-k", type=_int_in(1), default=None, dest="top_k", help="sample among the K likeliest only")
    g.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0, help="sample i uses seed + i (default 0)")
    g.add_argument("--n", type=_int_in(1, 10_000), default=1, help="number of samples (default 1)")
    g.add_argument("--echo-prompt", action="store_true", dest="echo_prompt", help="print the prompt first")
    g.add_argument("--no-cache", action="store_true", dest="no_cache",
                   help="recompute the whole window for every character (GPT; slower, for comparison)")
    g.add_argument("--device", default="cpu")
    g.add_argument("--json", action="store_true", help="print the samples as JSON at the end instead of streaming")
    g.set_defaults(func=cmd_generate)
