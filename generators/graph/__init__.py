"""Graph problems (networkx) with structural verifiers."""
