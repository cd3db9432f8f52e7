"""Export scikit-learn's handwritten digits once, to ``chapters/08_backprop/digits.npz``.

Chapter 08 trains a small CNN on these 1,797 images of 8 x 8 pixels (10 classes). Students need numpy
only, so the data travels with the chapter as a small file; scikit-learn is needed only to run this
script (an instructor's build dependency, in requirements.txt).

Source: ``sklearn.datasets.load_digits``, scikit-learn's bundled copy of the test set of the UCI
"Optical Recognition of Handwritten Digits" data (E. Alpaydin and C. Kaynak, 1998;
https://archive.ics.uci.edu/dataset/80, DOI 10.24432/C50P49). scikit-learn itself is BSD-3-Clause; its
description of the data names no licence; the UCI repository distributes its datasets under Creative
Commons Attribution 4.0 (CC BY 4.0), which allows redistribution with attribution. The file records
this in its ``source`` and ``licence`` entries, so the attribution travels with the data.

Usage: ``python scripts/export_digits.py`` (rewrites the file only if its content changes).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "chapters" / "08_backprop" / "digits.npz"
SOURCE = (
    "sklearn.datasets.load_digits (scikit-learn's copy of the test set of the UCI Optical Recognition of "
    "Handwritten Digits data, E. Alpaydin and C. Kaynak, 1998, https://archive.ics.uci.edu/dataset/80)"
)
LICENCE = "CC BY 4.0 (UCI Machine Learning Repository); cite the UCI dataset when you reuse it"


def export(target: Path = TARGET) -> Path:
    """Write ``images`` (1797, 8, 8) uint8 in 0..16, ``labels`` (1797,) uint8, ``source`` and ``licence``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)
    assert np.array_equal(images, digits.images), "pixels are the integers 0..16"
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        images=images,
        labels=digits.target.astype(np.uint8),
        source=np.array(SOURCE),
        licence=np.array(LICENCE),
    )
    data = buffer.getvalue()
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return target


if __name__ == "__main__":
    path = export()
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.1f} KiB")
