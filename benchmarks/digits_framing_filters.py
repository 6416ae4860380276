"""How much the way scikit-learn's 8x8 digits are placed in 28x28 matters to genlab's MNIST classifier: the
fraction of the 360 test digits it labels correctly, untranslated, for each resize filter (8 -> 20 px) and
each placement of the 20x20 box (centred by centre of mass, as `digits-framed` does, or at MNIST's 4 px
margins), beside the 8x8 digits upscaled to fill the frame (`digits` at 28 px). Prints one JSON object. Run:

    python benchmarks/digits_framing_filters.py
"""
from __future__ import annotations

import json

import numpy as np
import torch
import torch.nn.functional as F

from genlab.data import sklearn_digits
from genlab.data.dataset import load_dataset
from genlab.data.framing import BOX, FRAME, center_in_frame
from genlab.metrics import load_classifier
from genlab.metrics.translation import label_kept

FILTERS = {  # name: F.interpolate arguments for 8 -> 20 px
    "bicubic, PIL's kernel a=-0.5 (digits-framed)": dict(mode="bicubic", antialias=True),
    "bicubic, Keys a=-0.75 (torch's and OpenCV's default)": dict(mode="bicubic", antialias=False),
    "bilinear": dict(mode="bilinear", antialias=False),
}


def main() -> None:
    images, labels, _ = sklearn_digits.load_digits("test")
    labels_t = torch.from_numpy(labels)
    classifier, meta = load_classifier("mnist")
    out = {"classifier": f"mnist ({meta['test_accuracy']:.4f})", "images": len(labels),
           "digits at 28 px (bilinear, filling the frame)":
               round(label_kept(load_dataset("digits", "test", resolution=FRAME).images, labels_t, classifier), 4)}
    for name, kwargs in FILTERS.items():
        boxes = F.interpolate(torch.from_numpy(images).float(), size=(BOX, BOX), align_corners=False, **kwargs)
        boxes = boxes.round_().clamp_(0, 255).to(torch.uint8)
        centred = torch.from_numpy(np.stack([center_in_frame(b) for b in boxes[:, 0].numpy()])[:, None])
        margins = torch.zeros((len(boxes), 1, FRAME, FRAME), dtype=torch.uint8)
        start = (FRAME - BOX) // 2
        margins[:, :, start:start + BOX, start:start + BOX] = boxes
        out[name] = {"centred by mass": round(label_kept(centred, labels_t, classifier), 4),
                     "box at 4 px margins": round(label_kept(margins, labels_t, classifier), 4)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
