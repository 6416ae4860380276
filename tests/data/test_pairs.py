"""Translation pairs from real images: Canny edge maps and gray inputs (data/pairs.py)."""
import torch

from genlab.config import load_config
from genlab.data.pairs import canny, edges_degrade, gray_degrade, luma
from genlab.data.sources import build_source
from genlab.data.transforms import convert_channels


def _square(size=32, lo=8, hi=24):
    x = -torch.ones(1, 1, size, size)
    x[..., lo:hi, lo:hi] = 1.0
    return x


def test_canny_outlines_a_square_with_thin_edges_on_its_border():
    edges = canny(_square())[0, 0]
    ys, xs = torch.nonzero(edges, as_tuple=True)
    assert len(ys) > 0
    # every edge pixel lies within a pixel of the square's border (rows/cols 8 and 23), none deep inside
    near_rows = ((ys - 7.5).abs() <= 1) | ((ys - 23.5).abs() <= 1)
    near_cols = ((xs - 7.5).abs() <= 1) | ((xs - 23.5).abs() <= 1)
    assert bool((near_rows | near_cols).all())
    assert not edges[12:20, 12:20].any() and not edges[:4].any()
    # non-maximum suppression leaves a line at most 2 pixels thick across each side
    assert int(edges[16, :12].sum()) <= 2 and int(edges[:12, 16].sum()) <= 2
    # all four sides are found (hysteresis keeps the whole outline, not only the corners)
    assert edges[16, 6:10].any() and edges[16, 22:26].any() and edges[6:10, 16].any() and edges[22:26, 16].any()


def test_canny_finds_nothing_on_a_flat_image_and_ignores_the_contrast_level():
    assert not canny(torch.full((2, 3, 16, 16), 0.3)).any()
    strong, faint = canny(_square()), canny(_square() * 0.0625)  # thresholds relative to each peak (2^-4: exact)
    assert torch.equal(strong, faint)


def test_edges_and_gray_keep_the_targets_shape_and_channels():
    x = torch.rand(2, 3, 20, 24, generator=torch.Generator().manual_seed(0)) * 2 - 1
    e = edges_degrade(x)
    assert e.shape == x.shape and set(e.unique().tolist()) <= {-1.0, 1.0}
    assert torch.equal(e[:, 0], e[:, 1]) and torch.equal(e[:, 1], e[:, 2])
    g = gray_degrade(x)
    assert g.shape == x.shape and torch.equal(g[:, 0], g[:, 2])
    # luma agrees with the dataset's RGB -> gray conversion (PIL's ITU-R 601 weights) to a grey level
    u8 = ((x + 1) * 127.5).round().to(torch.uint8)
    ref = convert_channels(u8, 1).float()
    assert (((luma(u8.float() / 127.5 - 1) + 1) * 127.5) - ref).abs().max() <= 1.0


def test_edges_degradation_makes_paired_batches_from_any_source(tiny_npz):
    cfg = load_config("pix2pix-edges-fashion", ["data.name=npz", f"data.path={tiny_npz}"])
    source = build_source(cfg.data, batch_size=8, seed=0)
    batch = source.next()
    assert set(batch) == {"inputs", "targets"} and batch["inputs"].shape == batch["targets"].shape == (8, 1, 28, 28)
    assert torch.equal(batch["inputs"], edges_degrade(batch["targets"]))
    assert (batch["inputs"] > 0).any()  # the bright blobs have outlines
