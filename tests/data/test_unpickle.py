import os
import pickle

import numpy as np
import pytest

from genlab.data.unpickle import loads_arrays
from genlab.errors import DataError


class RunsCommand:
    """Unpickling this with plain pickle would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_function_global_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(RunsCommand(marker), protocol=2)
    with pytest.raises(DataError, match=r"refused to unpickle global '(posix|os|nt)\.system'"):
        loads_arrays(payload, source="evil.pkl")
    assert not marker.exists()


def test_function_hidden_in_an_object_array_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(np.array([RunsCommand(marker)], dtype=object), protocol=4)
    with pytest.raises(DataError, match=r"system"):
        loads_arrays(payload)
    assert not marker.exists()


@pytest.mark.parametrize("obj", [eval, getattr, pickle.loads, np.load])
def test_other_callables_are_refused(obj):
    with pytest.raises(DataError, match="refused to unpickle global"):
        loads_arrays(pickle.dumps(obj, protocol=4))


def test_persistent_ids_are_refused():
    class WithPid(pickle.Pickler):
        def persistent_id(self, obj):
            return "ext" if obj == "x" else None

    import io
    buf = io.BytesIO()
    WithPid(buf, protocol=4).dump(["x"])
    with pytest.raises(DataError, match="persistent id"):
        loads_arrays(buf.getvalue())


@pytest.mark.parametrize("protocol", [3, 4])
def test_numpy_arrays_load(protocol):
    data = ((np.arange(6, dtype=np.float32).reshape(2, 3), np.array([5, 0], dtype=np.int64)), [3, 1.5])
    back = loads_arrays(pickle.dumps(data, protocol=protocol))
    np.testing.assert_array_equal(back[0][0], data[0][0])
    assert back[0][0].dtype == np.float32 and back[0][1].dtype == np.int64
    assert back[1][1] == 1.5


def test_truncated_pickle_is_a_data_error():
    payload = pickle.dumps(np.arange(100), protocol=4)
    with pytest.raises(DataError, match="cannot unpickle"):
        loads_arrays(payload[:40])
