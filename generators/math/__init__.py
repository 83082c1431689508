"""Math template families: each module is one family (knob dataclass, levels, generator, re-derivation)."""
