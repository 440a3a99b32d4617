"""A batch of landing lines: their texts, and where each came from, as columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa


@dataclass
class LineBatch:
    """Non-blank landing lines (CR/LF removed) and where each came from.

    ``seq`` is the line's global order within the arrival hour (key order, then line
    order): the order that decides which copy of an id wins."""

    texts: list[bytes] = field(default_factory=list)
    line_numbers: list[np.ndarray] = field(
        default_factory=list
    )  # 1-based physical line numbers, in pieces
    sources: list[tuple[str, int]] = field(default_factory=list)  # (key, lines) runs in order
    first_seq: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def of(
        cls, texts: list[bytes], source_key: str = "k", first_line: int = 1, first_seq: int = 0
    ) -> LineBatch:
        """A batch of consecutive lines of one file (tests and tools)."""
        numbers = np.arange(first_line, first_line + len(texts), dtype=np.int64)
        return cls(list(texts), [numbers], [(source_key, len(texts))], first_seq)

    def line_number_array(self) -> np.ndarray:
        if not self.line_numbers:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(self.line_numbers)

    def seq_array(self) -> np.ndarray:
        return np.arange(self.first_seq, self.first_seq + len(self.texts), dtype=np.int64)

    def source_key_array(self) -> pa.Array:
        """The source key of every line, built from the runs (a dictionary, decoded)."""
        keys = pa.array([key for key, _ in self.sources], pa.string())
        indices = np.repeat(
            np.arange(len(self.sources), dtype=np.int32), [rows for _, rows in self.sources]
        )
        return pa.DictionaryArray.from_arrays(pa.array(indices), keys).cast(pa.string())

    def source_keys_at(self, rows: np.ndarray) -> list[str]:
        """The source key of each of ``rows`` (positions in the batch)."""
        ends = np.cumsum([count for _, count in self.sources])
        return [self.sources[run][0] for run in np.searchsorted(ends, rows, side="right")]
