"""Math answer checking (interim exact-match scorer; replaced by the full verifier)."""

from __future__ import annotations

import re

from hardgen.verifiers.base import Verdict, register_check


def _last_boxed(text: str) -> str | None:
    i = text.rfind("\\boxed{")
    if i < 0:
        return None
    depth, j = 0, i + len("\\boxed{") - 1
    for k in range(j, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[j + 1:k]
    return None


@register_check("math")
def score_math(response: str, check: dict, answer: str | None) -> Verdict:
    got = _last_boxed(response)
    if got is None:
        return Verdict(False, "no \\boxed{} answer")
    norm = lambda s: re.sub(r"\s+", "", s)
    return Verdict(norm(got) == norm(answer or ""), "exact match")
