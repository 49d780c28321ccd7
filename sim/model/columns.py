"""Per-issue columns as compact Python arrays: fast scalar access in event handlers, 8 bytes a float."""

from __future__ import annotations

from array import array

import numpy as np


def typed(x: np.ndarray, code: str = "d") -> array:
    """A numpy column as a compact Python array (typecode 'd' float64, 'i' int32, 'H' uint16): fast scalar access."""
    out = array(code)
    out.frombytes(np.ascontiguousarray(x, dtype=np.dtype(code)).tobytes())
    return out
