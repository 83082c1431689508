"""Candidate generators: template families (math, logic, graphs), SAT, executable programs, a trained LLM."""

from hardgen.generators.base import (Candidate, Family, Knobs, Reject, SatEncodable, get_family, knob,
                                     load_families, register)

__all__ = ["Candidate", "Family", "Knobs", "Reject", "SatEncodable", "get_family", "knob", "load_families", "register"]
