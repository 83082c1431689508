"""SAT families (python-sat): uniform k-SAT, planted, Saturn-compatible, DIMACS files."""
