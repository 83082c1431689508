"""Extraction of the final answer(s) from a model response, separate from deciding equivalence.

Modes (`check["extract"]`):
- "auto" (default): every `\\boxed{}` / `\\fbox{}`; if none, "final answer is/:" markers, then "answer is/:"
  markers; if none, the last line's final expression ("last").
- "boxed": only boxed answers.  "marker": only answer markers.  "last": only the last line's expression.
- "raw": the whole response is the answer.

All final answers of the chosen kind are returned, de-duplicated by their text; the scorer requires every one of
them to be correct, so a response with conflicting final answers is wrong and never matched "any of" them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MODES = ("auto", "boxed", "marker", "last", "raw")


@dataclass(frozen=True)
class Extraction:
    """The distinct final answers found (possibly none), where they came from, and why when none."""

    answers: tuple[str, ...]
    source: str
    reason: str = ""


_BOX = re.compile(r"\\(?:boxed|fbox)\s*")
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*[:=]?", re.I)
_ANSWER = re.compile(r"\banswer\s*(?:is|:|=)\s*[:=]?", re.I)
_MATH_SEG = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")


def boxed_contents(text: str) -> list[str]:
    """Contents of every \\boxed{...} / \\fbox{...} (and `\\boxed 5`), in order; unbalanced ones are skipped."""
    out: list[str] = []
    for m in _BOX.finditer(text):
        i = m.end()
        if i < len(text) and text[i] == "{":
            depth = 0
            for j in range(i, len(text)):
                ch = text[j]
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        out.append(text[i + 1:j])
                        break
        elif i < len(text) and m.group(0).endswith((" ", "\t")):
            tok = re.match(r"[^\s$]+", text[i:])
            if tok:
                out.append(tok.group(0))
    return out


def _clean(ans: str) -> str:
    ans = ans.replace("\\$", "").strip()  # a dollar sign as a unit, not a math delimiter
    seg = _MATH_SEG.findall(ans)
    if seg:  # "is $x = 3$." -> the math inside
        last = seg[-1]
        ans = next(p for p in last if p) if any(last) else ans
    ans = ans.strip().strip("*").strip()
    ans = re.sub(r"^\\\(|\\\)$|^\\\[|\\\]$|^\$+|\$+$", "", ans).strip()
    while ans.endswith((".", ",", ";", ":", "!")):  # sentence punctuation after the answer
        ans = ans[:-1].rstrip()
    return ans


def _after_marker(text: str, pattern: re.Pattern) -> list[str]:
    text = text.replace("\\$", "")
    found = []
    for m in pattern.finditer(text):
        rest = text[m.end():m.end() + 2000]
        line = rest.split("\n", 1)[0] if rest.strip() and rest.lstrip(" ")[:1] != "\n" else rest.lstrip()
        line = line.split("\n", 1)[0]
        if not _MATH_SEG.search(line):
            line = re.split(r"\.\s", line, maxsplit=1)[0]  # the sentence ends at ". "
        ans = _clean(line)
        if ans:
            found.append(ans)
    return found


def _last_expression(text: str) -> list[str]:
    text = text.replace("\\$", "")
    lines = [ln for ln in text.strip().split("\n") if ln.strip()]
    if not lines:
        return []
    line = lines[-1][-2000:]
    segs = _MATH_SEG.findall(line)
    if segs:
        seg = next(p for p in segs[-1] if p)
        return [_clean(seg.split("=")[-1]) if "=" in seg and _NUMBER.fullmatch(seg.split("=")[-1].strip())
                else _clean(seg)]
    if "=" in line:
        return [_clean(line.rsplit("=", 1)[1])]
    if len(line.strip()) <= 40:
        return [_clean(re.sub(r"(?i)^.*\bis\s+", "", line))]
    nums = _NUMBER.findall(line)
    return [nums[-1]] if nums else []


def _distinct(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for it in items:
        seen.setdefault(re.sub(r"\s+", "", it), it)
    return tuple(seen.values())


def extract_answers(response: str, mode: str = "auto") -> Extraction:
    """The distinct final answers of a response under an extraction mode (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"unknown extract mode {mode!r}; expected one of {', '.join(MODES)}")
    if mode == "raw":
        ans = _clean(response)
        return Extraction((ans,) if ans else (), "raw", "" if ans else "empty response")
    if mode in ("auto", "boxed"):
        boxes = [b.strip() for b in boxed_contents(response) if b.strip()]
        if boxes:
            return Extraction(_distinct(boxes), "boxed")
        if mode == "boxed":
            return Extraction((), "boxed", "no \\boxed{} answer")
    if mode in ("auto", "marker"):
        for pat in (_FINAL, _ANSWER):
            found = _after_marker(response, pat)
            if found:
                return Extraction(_distinct(found), "marker")
        if mode == "marker":
            return Extraction((), "marker", "no 'answer:' / 'the final answer is' marker")
    found = [f for f in _last_expression(response) if f]
    return Extraction(_distinct(found), "last", "" if found else "no final expression")
