"""Terminal charts from unicode blocks: horizontal bars, histograms and a reliability diagram (plain strings)."""

from __future__ import annotations

from collections.abc import Sequence

EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float, width: int) -> str:
    """A left-aligned bar `fraction` (0..1) of `width` cells, in eighth-block resolution, padded to `width`."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[rest] if rest else "")
    return text.ljust(width)


def histogram_lines(
    edges: Sequence[float], success: Sequence[int], failure: Sequence[int], width: int = 24
) -> list[str]:
    """One line per bin: its range, a bar of successful traces and one of failed traces, on a shared scale."""
    top = max([*success, *failure, 1])
    lines = []
    for i in range(len(success)):
        label = f"{edges[i]:>9.4g} – {edges[i + 1]:<9.4g}"
        lines.append(f"{label} ✓ {bar(success[i] / top, width)} {success[i]:>5}   ✗ {bar(failure[i] / top, width)}"
                     f" {failure[i]:>5}")
    return lines


def reliability_lines(
    bins: Sequence[tuple[float, float, int, float | None, float | None]], width: int = 40
) -> list[str]:
    """One line per bin (lo, hi, count, mean confidence, accuracy): a bar of the accuracy with '┃' at the mean
    confidence; a perfectly calibrated bin ends its bar at the marker."""
    lines = []
    for lo, hi, count, mean_conf, accuracy in bins:
        label = f"{lo:.2f}–{hi:.2f}"
        if not count:
            lines.append(f"{label} │{' ' * width}│      –")
            continue
        cells = list(bar(accuracy or 0.0, width))
        marker = min(width - 1, int((mean_conf or 0.0) * width))
        cells[marker] = "┃"
        lines.append(f"{label} │{''.join(cells)}│ acc {accuracy:.2f}  conf {mean_conf:.2f}  n={count}")
    return lines
