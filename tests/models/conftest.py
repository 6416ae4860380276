"""Fixtures for the model tests."""
import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """Tiny convs are slower with 2 threads on a busy 2-core machine; restore the setting after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
