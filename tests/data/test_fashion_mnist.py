import pytest

from genlab.data import fashion_mnist, load_dataset
from genlab.errors import DataError


def test_reads_idx_from_data_dir(idx_dir):
    ds = load_dataset("fashion-mnist", "test", data_dir=str(idx_dir))
    assert len(ds) == 4 and ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    assert ds.num_classes == 10 and ds.source == str(idx_dir)


def test_missing_files_say_how_to_get_them(monkeypatch, genlab_home):
    monkeypatch.setattr(fashion_mnist, "SEARCH_DIRS", ())
    monkeypatch.setattr(fashion_mnist, "_dpkg_dir", lambda: None)
    with pytest.raises(DataError) as e:
        load_dataset("fashion-mnist")
    msg = str(e.value)
    assert "apt-get install dataset-fashion-mnist" in msg and "--data-dir DIR" in msg
    assert "t10k-labels-idx1-ubyte.gz" in msg and str(genlab_home / "fashion-mnist") in msg


def test_files_in_the_cache_folder_are_found(monkeypatch, genlab_home, idx_dir):
    monkeypatch.setattr(fashion_mnist, "SEARCH_DIRS", ())
    genlab_home.mkdir(parents=True)
    idx_dir.rename(genlab_home / "fashion-mnist")
    assert len(load_dataset("fashion-mnist", "all")) == 10


def test_real_fashion_mnist_if_installed():
    try:
        folder = fashion_mnist.find_fashion_dir()
    except DataError:
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    train, test = load_dataset("fashion-mnist"), load_dataset("fashion-mnist", "test")
    assert (len(train), len(test)) == (60000, 10000) and train.source == str(folder)
    # Xiao et al. 2017: balanced classes; the first image of either split is an ankle boot
    assert set(train.describe()["label_counts"].values()) == {6000}
    assert set(test.describe()["label_counts"].values()) == {1000}
    assert train.labels[0] == 9 and test.labels[0] == 9
