"""bench/results/latest.json and the table on stdout: one object per scenario id."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

REQUIRED = ("id", "what", "figure", "unit", "target", "met", "params", "machine", "load_average")
COMPARED = ("ceiling", "baseline")


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "memory_mb": _memory_mb(),
    }


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation), so a p95 is a value that was measured."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def check(entry: dict[str, Any]) -> list[str]:
    """What an entry lacks (empty when it is complete); used by the smoke test and before writing."""
    problems = [f"{entry.get('id', '?')}: no {key}" for key in REQUIRED if key not in entry]
    if "figure" in entry and not isinstance(entry["figure"], int | float):
        problems.append(f"{entry.get('id', '?')}: figure is not a number")
    if not any(key in entry for key in COMPARED):
        problems.append(f"{entry.get('id', '?')}: neither ceiling nor baseline")
    if "ratio" not in entry:
        problems.append(f"{entry.get('id', '?')}: no ratio")
    return problems


def write(path: Path, run: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    problems = [p for e in entries for p in check(e)]
    if problems:
        raise ValueError("; ".join(problems))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": run, "results": entries}, indent=2, default=str) + "\n")


def table(entries: list[dict[str, Any]]) -> str:
    rows = [("id", "figure", "ceiling / baseline", "ratio", "target", "met", "load")]
    for e in entries:
        compared = e.get("ceiling", e.get("baseline"))
        label = "ceiling" if "ceiling" in e else "baseline"
        rows.append((
            e["id"], f"{_num(e['figure'])} {e['unit']}",
            f"{label} {_num(compared)}" if compared is not None else "-",
            _num(e["ratio"]) if e.get("ratio") is not None else "-",
            str(e["target"]), "yes" if e["met"] else "NO",
            " ".join(str(x) for x in e["load_average"]),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
