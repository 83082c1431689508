"""Logic puzzles encoded to SAT; uniqueness proved by the solver."""
