"""How big a file may be once opened: checked before anything is allocated.

An upload's size on disk says little: a 2 MB workbook can decompress to gigabytes (a
"zip bomb" of shared strings), and one cell at ``XFD1048576`` makes a spreadsheet
reader allocate 16,384 × 1,048,576 cells. So the loaders check, before reading:

- each workbook part's decompressed size, and the total, by decompressing it in a
  bounded stream (the sizes written in the zip's directory can lie);
- each part's compression ratio (real XML compresses 5-30 times; bombs 1,000 times);
- each sheet's extent (its ``<dimension>`` and every cell reference) as rows × columns;
- the count of shared strings;
- any field's length (a CSV field, a cell), so one huge value cannot be stored.

The defaults fit the largest real extract we know of (a large LA's contacts over
several years: about 600,000 rows of 16 columns) with room to spare; each can be
raised in the settings (``scorecard/settings.py``) and is passed in, never read here.

Example::

    >>> ReadLimits().max_cells
    20000000
    >>> ReadLimits(max_cells=10).max_cells
    10
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class ReadLimits(BaseModel):
    """Limits on what one file may hold once decompressed and read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Rows × columns of a sheet, counted from A1 (as the reader allocates them).
    max_cells: int = Field(default=20_000_000, ge=1)
    max_rows: int = Field(default=2_000_000, ge=1)
    max_columns: int = Field(default=1_000, ge=1)
    # A workbook's parts decompressed, all together.
    max_decompressed_bytes: int = Field(default=1024 * MIB, ge=1)
    # Decompressed ÷ compressed for any part bigger than ``ratio_floor_bytes``.
    max_compression_ratio: float = Field(default=200.0, gt=1)
    ratio_floor_bytes: int = Field(default=1 * MIB, ge=0)
    max_shared_strings: int = Field(default=20_000_000, ge=1)
    # The longest value any cell may hold (no extract column needs more).
    max_field_chars: int = Field(default=32_767, ge=1)
