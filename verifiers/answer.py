"""The one answer reader: the final answer text of a model response or a reference, for every checker.

`read_final_answer(text) -> ReadAnswer` applies one documented policy (see its docstring): only the text after
the last `</think>` counts, boxes first, then GSM8K `####` lines and "final answer" markers, then a closing
display block or the last statement. `read_reference(text)` reads a reference the same way (a solution text is
reduced to its final answer). Checkers (math, SAT, logic grids, graphs, EFA rows) parse only the text it hands
them; it never imports a checker or a generator.

Modes (a math record's `check["extract"]`): "auto" (default), "boxed", "marker", "last", "raw".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MODES = ("auto", "boxed", "marker", "last", "raw")
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
#: a response (or reference) answer read without a box or marker is at most this long
MAX_FALLBACK_CHARS = 200


@dataclass(frozen=True)
class ReadAnswer:
    """What `read_final_answer` found: the distinct final answers (in order), where they came from, and why
    there is none. `answer` is the single final answer, or None when there is none or several disagree in text
    (a checker that knows the meaning, e.g. SAT bits "101" vs "1 0 1", may still decode `answers` one by one)."""

    answers: tuple[str, ...]
    source: str
    reason: str = ""

    @property
    def answer(self) -> str | None:
        return self.answers[0] if len(self.answers) == 1 else None

    @property
    def found(self) -> bool:
        return bool(self.answers)


_BOX = re.compile(r"\\(?:boxed|fbox)\s*")
_BOX_TOKEN = re.compile(r"[^\s$]+")
#: "Final Answer:", "The final answer is", "the answer is", "**Answer:**", "Answer =" (one marker each; Minerva's
#: "Final Answer: The final answer is $7$" is two markers in a row, and the first one's empty text is skipped)
_MARKER = re.compile(r"(?:\*\*)?\b(?:(?:the\s+)?final\s+answer|(?:the\s+)?answer)(?:\s*\*\*)?"
                     r"\s*(?:is|:|=|would\s+be|will\s+be|should\s+be)\s*[:=]?(?:\*\*)?\s*", re.I)
_GSM8K = re.compile(r"^[ \t]*####[ \t]*(.*)$", re.M)
_SENTENCE_END = re.compile(r"\.\s")  # the sentence (and a marker's answer) ends at ". "
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")
#: the openers of inline math: $$...$$, $...$, \(...\), \[...\]
_MATH_OPEN = re.compile(r"\$|\\[(\[]")
#: trailing sentence punctuation (and the spaces between such marks) after an answer
_TRAIL_PUNCT = frozenset(".,;:!")
#: after math (or a bare reference) "!" is a factorial, not an exclamation
_MATH_TRAIL = frozenset(".,;:")


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


def boxed_spans(text: str) -> list[tuple[str, int]]:
    """(content, end offset) of every outermost \\boxed{...} / \\fbox{...} (and `\\boxed 5`), in order.

    Unclosed boxes are skipped. A box inside another box is part of that box's text, not a final answer of its
    own (so the total size of the answers is at most the response's size, however deeply boxes nest). Braces
    are matched once for the whole text, so the cost is linear however many boxes are left unclosed.
    """
    out: list[tuple[str, int]] = []
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
                out.append((text[i + 1:j], j + 1))
                inside_until = j
        elif i < len(text) and m.group(0).endswith((" ", "\t")):
            tok = _BOX_TOKEN.match(text, i)
            if tok:
                out.append((tok.group(0), tok.end()))
    return out


def boxed_contents(text: str) -> list[str]:
    """Contents of every outermost \\boxed{...} / \\fbox{...} (and `\\boxed 5`), in order (see `boxed_spans`).

    >>> boxed_contents(r"first \\boxed{1 0} then \\fbox{{a}b} and \\boxed{\\boxed{c}}")
    ['1 0', '{a}b', '\\\\boxed{c}']
    """
    return [c for c, _ in boxed_spans(text)]


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

    # an opener whose closer is absent after it can open nothing later either: drop it from the search, so a
    # megabyte of unclosed `\\(` costs one scan rather than one loop step per opener
    live = {"$": r"\$", "\\)": r"\\\(", "\\]": r"\\\["}
    opener = _MATH_OPEN
    i = 0
    while True:
        dead = [c for c in live if c in absent]
        if dead:
            for c in dead:
                del live[c]
            if not live:
                return out
            opener = re.compile("|".join(live.values()))
        m = opener.search(text, i)
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




#: words before a value that are not part of it ("The answer is approximately 1.33", "is exactly $5$")
_LEAD_WORDS = re.compile(r"^(?:(?:approximately|approx\.?|about|roughly|exactly|equal\s+to|simply)\s+|[=≈:]\s*)+",
                         re.I)
_QUALIFIER = re.compile(r"\\approx|≈|\\simeq|\\sim\b")


def _drop_qualifier(ans: str) -> str:
    """`\\frac{4}{3} \\approx 1.33` -> `\\frac{4}{3}`: a trailing approximation (outside braces) is not the answer."""
    m = _QUALIFIER.search(ans)
    if not m or not ans[:m.start()].strip():
        return ans
    head = ans[:m.start()]
    if head.count("{") != head.count("}") or head.count("(") != head.count(")"):
        return ans  # inside a group: part of the answer's own text
    return head.rstrip().rstrip("=").rstrip()


def _strip_ends(ans: str, punct: frozenset = _TRAIL_PUNCT) -> str:
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
    while end and (ans[end - 1] in punct or ans[end - 1].isspace()):  # sentence punctuation after it
        end -= 1
    return ans[:end]


def clean_answer(ans: str, prose: bool = True) -> str:
    """An answer written in prose or math delimiters -> its bare text (`$\\frac12$.` -> `\\frac12`, `**3**` -> `3`).

    A trailing "!" is dropped only from prose outside math (`The answer is 7!` -> 7, `$5!$` stays 5!).
    """
    ans = ans.replace("\\$", "").strip()  # a dollar sign as a unit, not a math delimiter
    seg = math_segments(ans)
    if seg:  # "is $x = 3$." -> the math inside
        ans = seg[-1]
    punct = _TRAIL_PUNCT if prose and not seg else _MATH_TRAIL
    return _strip_ends(_drop_qualifier(_LEAD_WORDS.sub("", _strip_ends(ans, punct))), punct)


def _closing_block(rest: str) -> str | None:
    """The lines after a marker that ends its line, when they are one block (no blank line) of several lines
    that closes the text without math delimiters: a grid written row by row under `**Answer:**`."""
    head, nl, body = rest.partition("\n")
    if head.strip() or not nl:
        return None
    block, _, after = body.lstrip("\n").partition("\n\n")
    lines = [ln for ln in block.split("\n") if ln.strip()]
    if len(lines) < 2 or after.strip() or "$" in block:
        return None
    return "\n".join(ln.strip() for ln in lines)


def _marker_text(rest: str) -> str:
    """The answer a marker introduces: the rest of its line (or the next line), up to the sentence's end; or
    the block of lines after it that ends the text (see `_closing_block`)."""
    block = _closing_block(rest)
    if block is not None:
        return block
    line = rest.split("\n", 1)[0] if rest.strip() and rest.lstrip(" ")[:1] != "\n" else rest.lstrip()
    line = line.split("\n", 1)[0]
    if not math_segments(line):
        line = _SENTENCE_END.split(line, maxsplit=1)[0]
    return clean_answer(line)


def _markers(text: str, since: int = 0, preferred: bool = False) -> list[tuple[bool, str]]:
    """(is a "final answer" marker, its answer) for each marker starting at or after `since`, in order.

    With `preferred`, only the markers the policy reads are read: the "final answer" ones, else the last one.
    A marker's text stops where the next marker begins, so that many markers on one line cost linear time
    (each would otherwise read up to 2000 characters of the following ones).
    """
    found = []
    done: dict[str, str] = {}  # window -> its answer: a marker repeated many times is read once
    marks = list(_MARKER.finditer(text, since))
    picked = range(len(marks))
    if preferred:
        finals = [k for k, m in enumerate(marks) if "final" in m.group(0).lower()]
        picked = finals or range(max(len(marks) - 1, 0), len(marks))
    for k in picked:
        m = marks[k]
        stop = min(m.end() + 2000, marks[k + 1].start() if k + 1 < len(marks) else len(text))
        rest = text[m.end():stop]
        if "\n" in m.group(0)[len(m.group(0).rstrip()):]:  # the marker ended its line ("**Answer:**\n...")
            rest = "\n" + rest
        ans = done.get(rest)
        if ans is None:
            ans = done[rest] = _marker_text(rest)
        if ans:
            found.append(("final" in m.group(0).lower(), ans))
    return found


def _gsm8k(text: str, since: int = 0) -> list[str]:
    return [a for a in (clean_answer(m.group(1)) for m in _GSM8K.finditer(text, since)) if a]


#: the one-word answers prose after a box can restate (other single words there are commentary: "correct")
_ANSWER_WORDS = frozenset({"yes", "no", "true", "false", "none", "unsat", "unsatisfiable", "satisfiable"})


_CHOICE = re.compile(r"\(?[A-Z]\)?|\\text\{\s*\(?[A-Z]\)?\s*\}")


def _answer_like(ans: str) -> bool:
    """Prose after a boxed answer restates an answer only when it reads like one: a short number or formula, or
    a yes/no-style word ("The final answer is 4." does; "The answer is the path above.", "The answer is 12
    because the sum is even", "The answer is correct." do not)."""
    words = ans.split()
    if not words or len(ans) > 80:
        return False
    if _CHOICE.fullmatch(ans):  # a multiple-choice letter: "(D)", "D"
        return True
    if len(words) == 1 and words[0].lower() in _ANSWER_WORDS:
        return True
    return len(words) <= 4 and any(ch.isdigit() or ch in "\\=^/+" for ch in ans)


def _display_tail(text: str) -> str | None:
    """The content of a display block `\\[ ... \\]` or `$$ ... $$` that ends the text (trailing punctuation aside)."""
    t = text.rstrip()
    end = len(t)
    while end and t[end - 1] in _TRAIL_PUNCT:
        end -= 1
    t = t[:end].rstrip()
    if t.endswith("```"):  # a fenced block closing the response (a grid, a DIMACS model): its content
        k = t.rfind("```", 0, len(t) - 3)
        if k >= 0:
            inner = t[k + 3:len(t) - 3]
            first, nl, rest = inner.partition("\n")
            if nl and re.fullmatch(r"[A-Za-z0-9_+-]*", first.strip()):  # a language tag (```text)
                inner = rest
            return inner.strip() or None
    for open_, close in (("\\[", "\\]"), ("$$", "$$")):
        if t.endswith(close):
            k = t.rfind(open_, 0, len(t) - len(close))
            if k >= 0:
                inner = t[k + len(open_):len(t) - len(close)]
                return _strip_ends(_drop_qualifier(inner.strip()))
    return None


#: the left side of "name = value" whose value is the answer: `n`, `x_1`, `f(3)`, `\\theta`, `\\text{Area}`
_NAME_LHS = re.compile(r"(?:\\(?:text|mathrm|operatorname)\s*\{[\w ]{1,40}\}|\\?[A-Za-z]+(?:_\{?\w+\}?)?)"
                       r"(?:\(\s*[\w.+-]*\s*\))?")
_HAS_VALUE = re.compile(r"\d|\$|\\[(\[]")
_SPACES = re.compile(r"(?<!\d)\s+|\s+(?!\d)")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\$])")
_COPULA = re.compile(r"\b(?:is|are|equals|was|be|gives|get|obtain)\b|=|:")


def _last_statement(text: str) -> str | None:
    """The answer of a response's last line: its final math, or the value after its last "is"/"="."""
    text = text.replace("\\$", "").strip()
    if not text:
        return None
    # the last non-blank line that has a digit or math, among the last three (a sign-off such as "Hope this
    # helps!" may follow the answer's line)
    lines = [ln for ln in text[-6000:].rsplit("\n", 6)[-6:] if ln.strip()][-3:]
    line = next((ln for ln in reversed(lines) if _HAS_VALUE.search(ln)), lines[-1])[-2000:]
    sentences = [s for s in _SENTENCE_SPLIT.split(line) if s.strip()]
    # "I hope it is correct." and other sign-offs: the answer is in the last sentence that has a digit or math
    sent = next((s for s in reversed(sentences) if any(ch.isdigit() for ch in s) or "$" in s or "\\" in s),
                sentences[-1] if sentences else line)
    body = _strip_ends(sent)
    segs = math_segments(body)
    if segs and body.rstrip().endswith(("$", "\\)", "\\]")):  # the sentence ends with math: that is the answer
        seg = segs[-1]
        lhs, _, tail = seg.rpartition("=")
        # "$n = 34$" and "$2 + 3 = 5$" read the value; an equation in unknowns ("$x^2/16 + y^2/12 = 1$", "$a = 5
        # \text{ and } b = -3$") is the answer as a whole
        named = _NAME_LHS.fullmatch(lhs.strip()) or not re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", "", lhs))
        tail = tail.strip()
        return clean_answer(tail if tail and named and _NUMBER.fullmatch(tail) else seg)
    cop = list(_COPULA.finditer(body))
    if cop:
        ans = clean_answer(body[cop[-1].end():])
        if ans:
            return ans
    if len(body) <= 40:
        return clean_answer(body)
    nums = _NUMBER.findall(body)
    return nums[-1] if nums else None


def _distinct(items: list[str]) -> tuple[str, ...]:
    """Answers de-duplicated by their text without spaces, except spaces between digits (`4 3` is not `43`)."""
    seen: dict[str, str] = {}
    for it in items:
        seen.setdefault(_SPACES.sub("", it), it)
    return tuple(seen.values())


def answer_region(text: str) -> tuple[str | None, str]:
    """The part of a response that may hold its final answer: the text after the last `</think>`.

    A response that opens `<think>` and never closes it was cut off while thinking: (None, reason).
    """
    k = text.rfind(THINK_CLOSE)
    if k >= 0:
        rest = text[k + len(THINK_CLOSE):]
        if THINK_OPEN in rest:
            return None, "cut off while thinking (a <think> block is not closed)"
        return rest, ""
    if THINK_OPEN in text:
        return None, "cut off while thinking (no </think> after <think>)"
    return text, ""


def read_final_answer(text: str, mode: str = "auto") -> ReadAnswer:
    """The final answer of a model response (or a solution text), under the one policy every checker uses.

    Policy (mode "auto"):
    1. Only the text after the last `</think>` counts; a response still inside `<think>` has no answer.
    2. Boxes: every outermost `\\boxed{...}` / `\\fbox{...}` is a final answer (a box inside a box is that box's
       text; an empty box is an answer, a wrong one). A "final answer"/"answer is" marker or a GSM8K `#### x`
       line AFTER the last box that reads like an answer is one too: `\\boxed{3} ... The final answer is 4.`
       gives two answers, which checkers must find conflicting.
    3. No box: GSM8K `#### x` lines; else every "final answer" marker (Minerva's "Final Answer: The final answer
       is $7$. I hope it is correct." reads 7); else the last "answer is/:" marker ("The answer is **3**.").
       A marker reads the rest of its line; a marker that ends its line reads the next line, or, when the lines
       after it are one block that ends the response (a grid row by row under `**Answer:**`), the whole block.
       A choice letter (`(D)`) restated after a box is an answer too, so a different one conflicts.
    4. Else a display block ending the text (`\\[ 9 \\]`, `$$9$$`, a fenced ```...``` block); else the last
       line's statement: the math ending its last sentence with a digit or math, or the value after its last
       "is"/"="/":" ("The largest $n$ is 34." reads 34).
    Every answer loses math delimiters, bold markers, trailing sentence punctuation and a trailing
    approximation (`\\frac{4}{3} \\approx 1.33` reads `\\frac{4}{3}`). Answers are returned de-duplicated by
    text (ignoring spaces); which of several distinct answers agree is the checker's business (all must be
    right). Modes "boxed", "marker" and "last" use only that step; "raw" takes the whole region as the answer.

    >>> read_final_answer("Final Answer: The final answer is $7$. I hope it is correct.").answer
    '7'
    >>> read_final_answer("<think>so 4?</think> The answer is **3**.").answer
    '3'
    >>> read_final_answer("<think>still thinking, maybe \\\\boxed{3}").reason
    'cut off while thinking (no </think> after <think>)'
    """
    if mode not in MODES:
        raise ValueError(f"unknown extract mode {mode!r}; expected one of {', '.join(MODES)}")
    region, why = answer_region(text)
    if region is None:
        return ReadAnswer((), "", why)
    if mode == "raw":
        ans = clean_answer(region)
        return ReadAnswer((ans,) if ans else (), "raw", "" if ans else "empty response")
    if mode in ("auto", "boxed"):
        spans = boxed_spans(region)
        if spans:
            # an empty box is a (wrong) final answer, not a missing one: dropping it would let `\\boxed{GOLD}
            # \\boxed{}` or `The answer is GOLD. \\boxed{}` score on the other answer
            # a box keeps its text as written (a nonogram row may end in "."), less a trailing approximation
            boxes = [_drop_qualifier(b.strip()) for b, _ in spans]
            if mode == "auto":
                tail = region[spans[-1][1]:].replace("\\$", "")
                boxes += [a for _, a in _markers(tail) if _answer_like(a) and "\\boxed" not in a]
                boxes += _gsm8k(tail)
            return ReadAnswer(_distinct(boxes), "boxed")
        if mode == "boxed":
            return ReadAnswer((), "boxed", "no \\boxed{} answer")
    if mode in ("auto", "marker"):
        plain = region.replace("\\$", "")
        if mode == "auto":
            hashes = _gsm8k(plain)
            if hashes:
                return ReadAnswer(_distinct(hashes), "gsm8k")
        found = _markers(plain, preferred=True)
        finals = [a for is_final, a in found if is_final]
        if finals:
            return ReadAnswer(_distinct(finals), "marker")
        if found:
            return ReadAnswer((found[-1][1],), "marker")
        if mode == "marker":
            return ReadAnswer((), "marker", "no 'answer:' / 'the final answer is' marker")
    if mode == "auto":
        disp = _display_tail(region)
        if disp:
            return ReadAnswer((disp,), "display")
    ans = _last_statement(region)
    if ans and len(ans) <= MAX_FALLBACK_CHARS:
        return ReadAnswer((ans,), "last")
    return ReadAnswer((), "last", "no final answer (no \\boxed{}, no answer marker, no final statement)")


_PROSE_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}\b")


def _is_prose(text: str) -> bool:
    """Whether a reference is a solution text rather than a bare answer: several plain words outside math."""
    outside = re.sub(r"\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]|\\[A-Za-z]+\s*\{[^{}]*\}", " ", text[:4000], flags=re.S)
    return len(_PROSE_WORD.findall(outside)) >= 5


def read_reference(text: str) -> ReadAnswer:
    """A reference answer read the way responses are: a solution text is reduced to its (last) final answer, a
    bare answer only loses its math delimiters (`$\\frac12$` -> `\\frac12`).

    >>> read_reference(r"$\\frac{1}{2}$").answer
    '\\\\frac{1}{2}'
    >>> read_reference(r"Adding them, we find the total is \\boxed{12}.").answer
    '12'
    """
    t = text.strip()
    if not t:
        return ReadAnswer((), "raw", "empty reference")
    if ("\\boxed" in t or "\\fbox" in t or "####" in t or THINK_CLOSE in t or _is_prose(t)
            or _MARKER.match(t)):
        # a reference is trusted text: of several final answers (a solution boxing its steps), the last counts
        ra = read_final_answer(t)
        return ReadAnswer(ra.answers[-1:], ra.source, ra.reason)
    ans = clean_answer(t, prose=False)
    return ReadAnswer((ans,) if ans else (), "raw", "" if ans else "empty reference")



#: more distinct final answers than this is not a serious response (judging each would cost time)
MAX_FINAL_ANSWERS = 32


def decode_final(response: str, decode, max_chars: int = 100_000) -> tuple[object | None, str]:
    """The one meaning of a response's final answers for a structured checker, or (None, why not).

    `decode(text) -> (value, why)` parses one answer (value None when malformed). Every final answer must decode,
    and all must mean the same (`\\boxed{101}` and `\\boxed{1 0 1}` agree); a malformed, oversized or
    conflicting answer, or none at all, makes the response wrong.
    """
    if not isinstance(response, str):
        return None, "response is not text"
    ra = read_final_answer(response)
    if not ra.answers:
        return None, ra.reason or "no final answer"
    if len(ra.answers) > MAX_FINAL_ANSWERS:
        return None, f"more than {MAX_FINAL_ANSWERS} different final answers"
    meanings = []
    for a in ra.answers:
        if len(a) > max_chars:
            return None, f"final answer is {len(a)} characters long (limit {max_chars})"
        value, why = decode(a)
        if value is None:
            return None, why if len(ra.answers) == 1 else f"one of {len(ra.answers)} final answers: {why}"
        meanings.append(value)
    if any(m != meanings[0] for m in meanings[1:]):
        return None, f"{len(ra.answers)} conflicting final answers"
    return meanings[-1], ""
