"""Where OpenCV's digits.png comes from: each of its 20x20 cells against the k-th MNIST training digit of
its class (k = the cell's place within its class), resized 28 -> 20 px with PIL's bicubic filter. Prints
the RMS difference (0-255 scale) per cell as quantiles, the same for the next MNIST digit of the class (a
different writer: what "unrelated" looks like), and the MNIST training indices the cells match. Run:

    python benchmarks/opencv_digits_provenance.py
"""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

from genlab.data import opencv_digits as cv
from genlab.data.dataset import load_dataset
from genlab.data.images import read_image


def main() -> None:
    cells, labels = cv.slice_sheet(read_image(cv.digits_png(), mode="L")[0].numpy())
    mnist = load_dataset("mnist", "train")
    images, mnist_labels = mnist.images[:, 0].numpy(), mnist.labels.numpy()
    matched, shifted, used = [], [], []
    for digit in range(10):
        first = np.nonzero(mnist_labels == digit)[0][:cv.PER_CLASS + 1]
        small = np.stack([np.asarray(Image.fromarray(images[i]).resize((cv.CELL, cv.CELL), Image.BICUBIC))
                          for i in first]).astype(np.float64)
        own = cells[labels == digit].astype(np.float64)
        matched.append(np.sqrt(((small[:-1] - own) ** 2).mean((1, 2))))
        shifted.append(np.sqrt(((small[1:] - own) ** 2).mean((1, 2))))
        used.append(int(first[-2]))
    def quantiles(rms: list[np.ndarray]) -> dict[str, float]:
        q = (0, 0.5, 0.99, 1)
        return dict(zip(("min", "median", "q99", "max"), np.quantile(np.concatenate(rms), q).round(2).tolist()))
    print(json.dumps({"cells": len(cells), "rms_to_kth_mnist_train_digit_of_its_class": quantiles(matched),
                      "rms_to_the_next_one": quantiles(shifted), "last_mnist_train_index_per_class": used},
                     indent=1))


if __name__ == "__main__":
    main()
