"""Distinct-problem space per family and level, written by `python bench/bench_space.py --write`."""

# family -> level (or "default": the knob defaults) -> {version, draws, repeats}
SPACE: dict[str, dict[str, dict]] = {}
