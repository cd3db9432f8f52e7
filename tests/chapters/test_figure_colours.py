"""The figures' role colours (``COLORS`` in chapters/preamble.py) work for every reader: lines and frames
drawn in them reach 3:1 against the white page (WCAG 1.4.11), and no two roles look alike to a reader
with protanopia, deuteranopia or tritanopia (simulated as in Machado, Oliveira and Fernandes, 2009,
severity 1). Gradients (a fill, under dark text) stay apart from the four roles too, and the explorers'
stylesheet ``_static/explorers/palette.css`` carries the same colours."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
import pytest
from helpers import course_palette

PREAMBLE = Path(__file__).resolve().parents[2] / "chapters" / "preamble.py"
ROLES = ("image", "kernel", "output", "highlight")  # told apart by colour in the figures
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
LINES = (*ROLES, "muted")  # drawn as lines or frames
SIMULATIONS = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}  # fmt: skip
SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
WHITE = np.array([0.9505, 1.0, 1.089])
# CIELAB distance below which two flat colours are easily confused; the palette keeps 33 or more.
DISTINCT = 20.0
# Window fills lie side by side and are told apart by position too; the Okabe-Ito four keep 16 or more.
WINDOW_DISTINCT = 15.0


def literal(name: str):
    """The literal assigned to ``name`` in the preamble, read without running it."""
    for node in ast.walk(ast.parse(PREAMBLE.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"chapters/preamble.py defines no {name}")


def colours() -> dict[str, str]:
    """The ``COLORS`` dict literal of the preamble."""
    return literal("COLORS")


def linear_rgb(colour: str) -> np.ndarray:
    srgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def contrast_with_white(colour: str) -> float:
    luminance = float(SRGB_TO_XYZ[1] @ linear_rgb(colour))
    return 1.05 / (luminance + 0.05)


def lab(rgb: np.ndarray) -> np.ndarray:
    xyz = SRGB_TO_XYZ @ np.clip(rgb, 0, 1) / WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_contrast_of_the_helpers():
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the known 4.5:1 grey
    assert np.allclose(lab(linear_rgb("#FFFFFF")), [100, 0, 0], atol=0.1)


@pytest.mark.parametrize("role", LINES)
def test_lines_reach_3_to_1_against_white(role):
    colour = colours()[role]
    assert contrast_with_white(colour) >= 3.0, f"{role} {colour}: {contrast_with_white(colour):.2f}:1"


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_roles_stay_apart(vision):
    palette, matrix = colours(), SIMULATIONS[vision]
    for a, b in itertools.combinations(ROLES, 2):
        distance = np.linalg.norm(lab(matrix @ linear_rgb(palette[a])) - lab(matrix @ linear_rgb(palette[b])))
        assert distance >= DISTINCT, f"{vision}: {a} and {b} look alike (CIELAB distance {distance:.0f})"


def distance(vision: str, a: str, b: str) -> float:
    matrix = SIMULATIONS[vision]
    return float(np.linalg.norm(lab(matrix @ linear_rgb(a)) - lab(matrix @ linear_rgb(b))))


def test_roles_and_windows_are_okabe_ito():
    palette = colours()
    used = {palette[role].upper() for role in (*ROLES, "gradient")} | {w.upper() for w in literal("WINDOWS")}
    assert used <= OKABE_ITO, f"not in the Okabe-Ito palette: {sorted(used - OKABE_ITO)}"


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_gradients_stay_apart_from_the_roles(vision):
    palette = colours()
    for role in ROLES:
        gap = distance(vision, palette["gradient"], palette[role])
        assert gap >= DISTINCT, f"{vision}: gradient and {role} look alike (CIELAB distance {gap:.0f})"


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_windows_stay_apart(vision):
    for a, b in itertools.combinations(literal("WINDOWS"), 2):
        assert distance(vision, a, b) >= WINDOW_DISTINCT, f"{vision}: windows {a} and {b} look alike"


def test_the_explorers_palette_is_the_figures():
    declared = course_palette()
    expected = {**colours(), **{f"window-{k}": w for k, w in enumerate(literal("WINDOWS"), 1)}}
    assert {k: v.upper() for k, v in declared.items()} == {k: v.upper() for k, v in expected.items()}
