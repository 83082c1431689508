"""Extraction of the final answer(s) from a model response, separate from deciding equivalence.

Modes (`check["extract"]`):
- "auto" (default): every outermost `\\boxed{}` / `\\fbox{}` (an empty box counts, as a wrong answer); if none,
  "final answer is/:" markers, then "answer is/:" markers; if none, the last line's final expression ("last").
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
_BOX_TOKEN = re.compile(r"[^\s$]+")
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*[:=]?", re.I)
_ANSWER = re.compile(r"\banswer\s*(?:is|:|=)\s*[:=]?", re.I)
_SENTENCE_END = re.compile(r"\.\s")  # the sentence (and a marker's answer) ends at ". "
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")
#: the openers of inline math: $$...$$, $...$, \(...\), \[...\]
_MATH_OPEN = re.compile(r"\$|\\[(\[]")
#: trailing sentence punctuation (and the spaces between such marks) after an answer
_TRAIL_PUNCT = frozenset(".,;:!")


def _matching_braces(text: str) -> dict[int, int]:
    """Position of every `{` that is closed -> position of its `}`, in one pass with a stack (linear time)."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer(r"[{}]", text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            match[stack.pop()] = m.start()
    return match


def boxed_contents(text: str) -> list[str]:
    """Contents of every outermost \\boxed{...} / \\fbox{...} (and `\\boxed 5`), in order; unclosed ones are skipped.

    A box inside another box is part of that box's text, not a final answer of its own (so the total size of
    the answers is at most the response's size, however deeply boxes nest). Braces are matched once for the
    whole text, so the cost is linear however many boxes are left unclosed.
    """
    out: list[str] = []
    match: dict[int, int] | None = None
    inside_until = -1  # end of the enclosing box found so far
    for m in _BOX.finditer(text):
        if m.start() < inside_until:
            continue
        i = m.end()
        if i < len(text) and text[i] == "{":
            if match is None:
                match = _matching_braces(text)
            j = match.get(i)
            if j is not None:
                out.append(text[i + 1:j])
                inside_until = j
        elif i < len(text) and m.group(0).endswith((" ", "\t")):
            tok = _BOX_TOKEN.match(text, i)
            if tok:
                out.append(tok.group(0))
    return out


def math_segments(text: str) -> list[str]:
    """Contents of the inline math segments of text, left to right: `$$..$$`, `$..$`, `\\(..\\)`, `\\[..\\]`.

    The segments a left-to-right lazy regex (`\\$\\$(.+?)\\$\\$|\\$(.+?)\\$|...`, DOTALL) finds, but in linear time:
    that regex rescans to the end of the text for every opener that is never closed. Here a closer
    that is absent after some position is remembered as absent after every later one.
    """
    out: list[str] = []
    absent: dict[str, int] = {}  # closer -> a position after which it does not occur

    def find(closer: str, start: int) -> int:
        if closer in absent and start >= absent[closer]:
            return -1
        k = text.find(closer, start)
        if k < 0:
            absent[closer] = min(start, absent.get(closer, start))
        return k

    i = 0
    while True:
        m = _MATH_OPEN.search(text, i)
        if not m:
            return out
        p = m.start()
        if text.startswith("$$", p):
            q = find("$$", p + 3)
            if q >= 0:
                out.append(text[p + 2:q])
                i = q + 2
                continue
        if text[p] == "$":
            q = find("$", p + 2)
            if q >= 0:
                out.append(text[p + 1:q])
                i = q + 1
                continue
        else:
            closer = "\\)" if text[p + 1] == "(" else "\\]"
            q = find(closer, p + 3)
            if q >= 0:
                out.append(text[p + 2:q])
                i = q + 2
                continue
        i = p + 1


def _clean(ans: str) -> str:
    ans = ans.replace("\\$", "").strip()  # a dollar sign as a unit, not a math delimiter
    seg = math_segments(ans)
    if seg:  # "is $x = 3$." -> the math inside
        ans = seg[-1]
    ans = ans.strip().strip("*").strip()
    # one math delimiter (or run of dollars) at each end; index arithmetic rather than a regex such as `\$+$`,
    # which is quadratic on a long run of dollars that does not end the text
    start = 2 if ans.startswith(("\\(", "\\[")) else len(ans) - len(ans.lstrip("$"))
    end = len(ans)
    if ans.endswith(("\\)", "\\]")) and end - 2 >= start:
        end -= 2
    else:
        while end > start and ans[end - 1] == "$":
            end -= 1
    ans = ans[start:end].strip()
    end = len(ans)
    while end and (ans[end - 1] in _TRAIL_PUNCT or ans[end - 1].isspace()):  # sentence punctuation after it
        end -= 1
    return ans[:end]


def _after_marker(text: str, pattern: re.Pattern) -> list[str]:
    """The answer after each marker: the rest of its line (or the next line), up to the sentence's end.

    A marker's text stops where the next marker begins, so that many markers on one line cost linear time
    (each would otherwise read up to 2000 characters of the following ones).
    """
    text = text.replace("\\$", "")
    found = []
    done: dict[str, str] = {}  # window -> its answer: a marker repeated many times is read once
    marks = list(pattern.finditer(text))
    for k, m in enumerate(marks):
        stop = min(m.end() + 2000, marks[k + 1].start() if k + 1 < len(marks) else len(text))
        rest = text[m.end():stop]
        ans = done.get(rest)
        if ans is None:
            line = rest.split("\n", 1)[0] if rest.strip() and rest.lstrip(" ")[:1] != "\n" else rest.lstrip()
            line = line.split("\n", 1)[0]
            if not math_segments(line):
                line = _SENTENCE_END.split(line, maxsplit=1)[0]
            ans = done[rest] = _clean(line)
        if ans:
            found.append(ans)
    return found


def _last_expression(text: str) -> list[str]:
    text = text.replace("\\$", "").strip()
    if not text:
        return []
    line = text.rsplit("\n", 1)[-1][-2000:]  # the last non-blank line (the text is stripped)
    segs = math_segments(line)
    if segs:
        seg = segs[-1]
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
        # an empty box is a (wrong) final answer, not a missing one: dropping it would let `\\boxed{GOLD}
        # \\boxed{}` or `The answer is GOLD. \\boxed{}` score on the other answer
        boxes = [b.strip() for b in boxed_contents(response)]
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
