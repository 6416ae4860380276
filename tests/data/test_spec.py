import pytest

from genlab.data import DATASETS, load_dataset, parse_data_spec
from genlab.errors import DataError


def test_named_datasets_and_splits():
    assert parse_data_spec("mnist") == ("mnist", {"split": "train"})
    assert parse_data_spec("mnist:test") == ("mnist", {"split": "test"})
    assert parse_data_spec("fashion-mnist") == ("fashion-mnist", {"split": "train"})
    assert parse_data_spec("fashion-mnist:all") == ("fashion-mnist", {"split": "all"})


def test_paths(tmp_path):
    assert parse_data_spec(str(tmp_path)) == ("folder", {"path": str(tmp_path)})
    assert parse_data_spec("folder:some/dir") == ("folder", {"path": "some/dir"})
    assert parse_data_spec("data/x.npz") == ("npz", {"path": "data/x.npz"})
    assert parse_data_spec("npz:x.bin") == ("npz", {"path": "x.bin"})


@pytest.mark.parametrize("spec, message", [
    ("mnst", r"dataset 'mnst' is unknown \(did you mean 'mnist'\?\); known: digits, digits-framed, fashion-mnist, "
             "folder, mnist, npz, opencv-digits"),
    ("mnist:tset", r"split 'tset' is unknown \(did you mean 'test'\?\)"),
    ("cifar10", "dataset 'cifar10' is unknown; known:"),
    ("folder:", "has no path; expected folder:DIR"),
    ("no/such/dir", "is neither a folder nor a .npz file"),
])
def test_bad_specs(spec, message):
    with pytest.raises(DataError, match=message):
        parse_data_spec(spec)


def test_load_dataset_unknown_name_and_split():
    assert DATASETS == ("mnist", "fashion-mnist", "folder", "npz", "digits", "digits-framed", "opencv-digits")
    with pytest.raises(DataError, match=r"dataset 'mnst' is unknown \(did you mean 'mnist'\?\)"):
        load_dataset("mnst")
    with pytest.raises(DataError, match=r"split 'valid' is unknown"):
        load_dataset("mnist", "valid")
