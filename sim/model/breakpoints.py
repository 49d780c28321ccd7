"""The breakpoints of every grid's visiting curve V(t), logged in time order and split per grid at the end.

A shift change adds a breakpoint to thousands of grids at once.  Appending each to
an array of its own grid touches thousands of scattered arrays (a tenth of a large
district's run); appending them to one flat log of (grid, time, V) rows is a few
array copies.  The log is kept in chunks, so that splitting it per grid at the end
frees each chunk as soon as its rows are in their grids' arrays: the split never
holds the whole log twice (a year of 10,000 grids logs about ten million rows).
"""

from __future__ import annotations

from array import array

import numpy as np

CHUNK = 1 << 18  # rows in a chunk (5 MB)


class BreakpointLog:
    def __init__(self, grids: int):
        self.grids = grids
        self.chunks: list[tuple[array, array, array]] = []
        self._new_chunk()
        self.add_many(np.arange(grids), 0.0, np.zeros(grids))  # every curve starts at (0, 0)

    def _new_chunk(self) -> None:
        self.g, self.t, self.v = array("i"), array("d"), array("d")
        self.chunks.append((self.g, self.t, self.v))

    def add(self, grid: int, time: float, value: float) -> None:
        self.g.append(grid)
        self.t.append(time)
        self.v.append(value)
        if len(self.g) >= CHUNK:
            self._new_chunk()

    def add_many(self, grids: np.ndarray, time: float, values: np.ndarray) -> None:
        """Rows (grid, time, value) for ``grids`` at one instant."""
        self.g.frombytes(grids.astype(np.int32).tobytes())
        self.t.frombytes(np.full(len(grids), time).tobytes())
        self.v.frombytes(np.ascontiguousarray(values, dtype=float).tobytes())
        if len(self.g) >= CHUNK:
            self._new_chunk()

    def split(self) -> tuple[list[array], list[array]]:
        """Per grid, its breakpoints' times and values in the order they were logged; empties the log."""
        times = [array("d") for _ in range(self.grids)]
        values = [array("d") for _ in range(self.grids)]
        while self.chunks:
            g, t, v = self.chunks.pop(0)
            grid = np.frombuffer(g, dtype=np.int32)
            order = np.argsort(grid, kind="stable")  # a grid's rows keep their order
            grid = grid[order]
            cuts = np.flatnonzero(grid[1:] != grid[:-1]) + 1
            starts, ends = np.r_[0, cuts].tolist(), np.r_[cuts, len(grid)].tolist()
            t_sorted, v_sorted = np.frombuffer(t)[order], np.frombuffer(v)[order]
            for k, a, b in zip(grid[starts].tolist() if len(grid) else [], starts, ends):
                times[k].frombytes(t_sorted[a:b].tobytes())
                values[k].frombytes(v_sorted[a:b].tobytes())
            del g, t, v, grid, order, t_sorted, v_sorted
        self.g = self.t = self.v = None
        return times, values
