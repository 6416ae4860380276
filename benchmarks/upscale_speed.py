"""Speed and peak memory of `genlab upscale`-style tiled x4 upscaling on the CPU, per net, at the presets'
sizes (weights random: speed does not depend on them). Each measurement runs in a fresh subprocess so that
its peak RSS is its own. Run:

    python benchmarks/upscale_speed.py            # 512x512 photo, x4, tile 128 overlap 16
    python benchmarks/upscale_speed.py --sizes 256 512 1024 --nets edsr   # memory vs image size
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

NETS = {"bicubic": {}, "unsharp": {}, "srcnn": dict(width=64, depth=3), "edsr": dict(width=32, depth=8),
        "rrdb": dict(width=32, depth=4)}


def one(net: str, size: int, scale: int, tile: int, overlap: int) -> dict:
    import torch

    from genlab.apps.upscale import upscale_image
    from genlab.data.srmini import load_sr_mini
    from genlab.models.sr import SR, SRConfig

    torch.manual_seed(0)
    model = SR(SRConfig(net=net, scale=scale, **NETS[net]), img_channels=3).eval()
    photo = load_sr_mini(["kodim23"])["kodim23"]  # 768x512: tiled to size x size
    image = photo.repeat(1, -(-size // photo.shape[1]), -(-size // photo.shape[2]))[:, :size, :size].contiguous()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    out = upscale_image(model, image, tile=tile, overlap=overlap)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"net": net, "size": size, "seconds": seconds, "mpix_per_s": out[0].numel() / seconds / 1e6,
            "peak_rss_mb": peak / 1024, "rss_growth_mb": (peak - before) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=list(NETS))
    parser.add_argument("--sizes", nargs="+", type=int, default=[512])
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--tile", type=int, default=128)
    parser.add_argument("--overlap", type=int, default=16)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        net, size = args.one.split(":")
        print(json.dumps(one(net, int(size), args.scale, args.tile, args.overlap)))
        return
    print(f"x{args.scale}, tile {args.tile}, overlap {args.overlap}; output Mpixel/s; peak RSS of the process")
    print(f"{'net':8s} {'input':>9s} {'seconds':>8s} {'Mpix/s':>7s} {'peak MB':>8s} {'growth MB':>9s}")
    for net in args.nets:
        for size in args.sizes:
            cmd = [sys.executable, __file__, "--one", f"{net}:{size}", "--scale", str(args.scale),
                   "--tile", str(args.tile), "--overlap", str(args.overlap)]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            print(f"{net:8s} {size:4d}x{size:<4d} {r['seconds']:8.2f} {r['mpix_per_s']:7.3f} "
                  f"{r['peak_rss_mb']:8.0f} {r['rss_growth_mb']:9.0f}")


if __name__ == "__main__":
    main()
