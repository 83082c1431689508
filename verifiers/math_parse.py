"""Parsing of math answers (LaTeX or plain sympy-style text) into small structured values, without sympy.

The parser is a hand-written LaTeX-to-text rewriter plus a precedence parser that builds a tiny AST of tuples.
No `eval`, no sympy: the AST is safe to evaluate exactly (fractions), numerically (complex floats, for the
screen) and to rebuild as sympy objects in the worker process (see `math_equiv`).

AST nodes:  ("n", Fraction) integer/rational literal; ("d", Fraction, decimals, sig_digits) decimal literal;
("s", name) symbol; ("c", "pi"|"E"|"I"|"oo") constant; ("+", (terms...)); ("*", (factors...)); ("neg", x);
("/", a, b); ("^", a, b); ("f", name, (args...)); ("!", x).

Values (top level of an answer): ("expr", ast) | ("eq", lhs, rhs) | ("seq", open, close, items) — a bracketed
sequence; `open`/`close` are "(", "[", ")", "]" — | ("set", items) | ("list", items) bare comma/"or" separated
| ("union", items) | ("matrix", rows) | ("text", normalised words) | ("pct", ast) a percentage.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

Node = tuple
Value = tuple

FUNCS = {"sqrt", "root", "exp", "log", "ln", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan",
         "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "abs", "binom", "gcd", "lcm", "floor", "ceil"}
CONSTS = {"pi": "pi", "oo": "oo", "infty": "oo", "inf": "oo", "infinity": "oo", "e": "E", "i": "I"}
_NAMES = sorted(FUNCS | {"pi", "oo", "infty", "infinity"}, key=len, reverse=True)
#: Greek letters (`\\theta` is written " theta "): one symbol when the word is the whole name, never t*h*e*t*a
#: (whose `e` would be Euler's number)
GREEK = frozenset({"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
                   "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi",
                   "chi", "psi", "omega"})
UNITS = {"cm", "mm", "km", "m", "kg", "g", "mg", "s", "sec", "secs", "second", "seconds", "min", "mins",
         "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks", "year", "years",
         "month", "months", "inch", "inches", "ft", "foot", "feet", "yd", "yard", "yards", "mile", "miles", "mph",
         "meter", "meters", "metre", "metres", "centimeter", "centimeters", "kilometer", "kilometers", "units",
         "unit", "sq", "square", "cubic", "degree", "degrees", "deg", "dollar", "dollars", "cent", "cents", "l",
         "ml", "liter", "liters", "litre", "litres", "gram", "grams", "kilogram", "kilograms", "pound", "pounds",
         "lb", "lbs", "oz", "ounce", "ounces", "people", "students", "ways", "times", "percent", "points", "apples",
         "items", "marbles", "balls", "cookies", "books", "boxes", "coins", "cars", "pages", "tickets"}


class ParseError(ValueError):
    """The answer text is not a math expression this parser understands."""


class LimitError(ValueError):
    """The answer is beyond the size limits (length, nesting, exponents); the verdict is undecided."""


# ---------------------------------------------------------------------------------------------------------------
# LaTeX -> plain text
# ---------------------------------------------------------------------------------------------------------------
_DROP = [r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits", r"\!", r"\,", r"\;", r"\:", r"\ ", r"\quad",
         r"\qquad", "~", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\big", r"\Big", r"\biggl", r"\biggr",
         r"\mathrm{d}"]
_SIMPLE = [(r"\dfrac", r"\frac"), (r"\tfrac", r"\frac"), (r"\cfrac", r"\frac"), (r"\left\{", r"\{"),
           (r"\right\}", r"\}"), (r"\left.", ""), (r"\right.", ""), (r"\left", ""), (r"\right", ""),
           (r"\lbrace", r"\{"), (r"\rbrace", r"\}"), (r"\lvert", "|"), (r"\rvert", "|"), (r"\vert", "|"),
           (r"\lceil", "ceil("), (r"\rceil", ")"), (r"\lfloor", "floor("), (r"\rfloor", ")"),
           (r"\cdot", "*"), (r"\times", "*"), (r"\ast", "*"), (r"\div", "/"), (r"\leqslant", "<="),
           (r"\geqslant", ">="), (r"\leq", "<="), (r"\geq", ">="), (r"\neq", "!="), (r"\le", "<="),
           (r"\ge", ">="), (r"\ne", "!="), (r"\lt", "<"), (r"\gt", ">"), (r"\infty", " oo "),
           (r"\pi", " pi "), (r"\cup", " U "), (r"\emptyset", r"\{\}"), (r"\varnothing", r"\{\}"),
           (r"\land", " and "), (r"\lor", " or "), (r"\pm", "±"), (r"\mp", "∓"), ("{,}", ""), (r"\%", "%"),
           (r"\$", ""), ("$", ""), (r"\(", ""), (r"\)", ""), (r"\[", ""), (r"\]", ""), ("−", "-"), ("–", "-"),
           ("·", "*"), ("×", "*"), ("÷", "/"), ("≤", "<="), ("≥", ">="), ("≠", "!="), ("π", " pi "),
           ("∞", " oo "), ("√", "sqrt"), ("∪", " U "), ("∅", r"\{\}")]
_DEGREE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ|°|\\degree")
_TEXT_CMD = re.compile(r"\\(?:text|textnormal|textup|textsf|textbf|textit|textrm|mathrm|mathbf|mathit|mbox"
                       r"|operatorname|boldsymbol|mathsf"
                       r"|bf|rm)\s*\{")
_CMD = re.compile(r"\\([A-Za-z]+)")
_BRACED_COMMA = re.compile(r"(?<=\d)\{,\}(\d+)")
_GROUPED = re.compile(r"(\d),\s*\\!\s*(?=\d{3}(?!\d))")
#: a mixed number `3\frac{3}{4}` (= 15/4): an integer written right before a proper fraction of integers, not after
#: an operator, a letter or another digit group (policy: MATH writes mixed numbers this way; `2 \cdot \frac12` or
#: `2\times\frac{1}{2}` stay products)
_MIXED = re.compile(r"(?<![\w^_.)}/*])(\d+)\s*\\[dt]?frac\s*\{(\d+)\}\s*\{(\d+)\}")


_REPEATING = re.compile(r"(\d*)\.(\d*)\s*\\overline\s*\{\s*(\d{1,30})\s*\}")


def _repeating_decimal(m: re.Match) -> str:
    """`0.1\\overline{6}` -> the exact fraction 1/6 (a repeating decimal is exact, not an approximation)."""
    whole, fixed, rep = m.group(1) or "0", m.group(2), m.group(3)
    den = (10 ** len(rep) - 1) * 10 ** len(fixed)
    num = int(whole + fixed + rep) - int(whole + fixed or "0")
    return f"({num}/{den})"


def _mixed_number(m: re.Match) -> str:
    whole, num, den = m.group(1), int(m.group(2)), int(m.group(3))
    return f"({whole}+{num}/{den})" if 0 < num < den else m.group(0)


def max_depth(s: str) -> int:
    """Deepest bracket nesting of s (any of ({[), computed without recursion."""
    depth = best = 0
    for ch in s:
        if ch in "({[":
            depth += 1
            if depth > best:
                best = depth
        elif ch in ")}]":
            depth -= 1
    return best


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument of a LaTeX command starting at s[i]: a {...} group or one token; returns (text, end)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        raise ParseError("missing argument")
    if s[i] == "{":
        depth = 0
        for j in range(i, len(s)):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1:j], j + 1
        raise ParseError("unbalanced braces")
    if s[i] == "\\":
        m = _CMD.match(s, i)
        if m:
            return m.group(0), m.end()
    return s[i], i + 1


def _unwrap_text(s: str) -> str:
    """\\text{...}-like commands: keep the content (units are dropped later, words kept for text answers)."""
    out, i = [], 0
    while True:
        m = _TEXT_CMD.search(s, i)
        if not m:
            out.append(s[i:])
            return "".join(out)
        out.append(s[i:m.start()])
        inner, end = _group(s, m.end() - 1)
        out.append(" " + inner + " ")
        i = end


def _env_matrix(s: str) -> str:
    """\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix} -> Matrix([[a, b], [c, d]])."""
    pat = re.compile(r"\\begin\{([pbvBV]?matrix|array)\}(\{[^}]*\})?(.*?)\\end\{\1\}", re.S)

    def repl(m: re.Match) -> str:
        rows = [r for r in re.split(r"\\\\", m.group(3)) if r.strip() and r.strip() != r"\hline"]
        cells = [[c.strip() for c in r.replace(r"\hline", "").split("&")] for r in rows]
        return "Matrix([" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "])"

    prev = None
    while prev != s:
        prev, s = s, pat.sub(repl, s)
    return s


def latex_to_text(s: str) -> str:
    """Rewrite LaTeX math into plain sympy-style text (`\\frac{a}{b}` -> `((a)/(b))`, `x^{2}` -> `x^(2)`)."""
    if "\\begin" in s:
        s = _env_matrix(s)
    # `11,\! 111,\! 100`: a comma followed by a negative thin space groups digits, it never separates items
    s = _GROUPED.sub(r"\1", s)
    # `{,}` between digits: a thousands group before exactly three digits (`1{,}000`), else LaTeX's decimal comma
    # (`3{,}97` is 3.97, never 397)
    s = _BRACED_COMMA.sub(lambda m: m.group(1) if len(m.group(1)) == 3 else "." + m.group(1), s)
    s = _MIXED.sub(_mixed_number, s)
    s = _REPEATING.sub(_repeating_decimal, s)
    for d in _DROP:
        s = s.replace(d, " ")
    s = _DEGREE.sub(" ", s)
    s = _unwrap_text(s)
    for a, b in _SIMPLE:
        s = s.replace(a, b)
    # set braces become placeholders so that the remaining {} can be read as grouping
    s = s.replace(r"\{", "\x01").replace(r"\}", "\x02")
    s = _braces(_commands(s))
    return s.replace("\x01", "{").replace("\x02", "}")


def _braces(s: str) -> str:
    """Bare {...}: a set when it holds a top-level comma and is not an exponent/subscript group, else grouping."""
    out = list(s)
    stack: list[tuple[int, bool]] = []  # (position, is grouping)
    commas: list[bool] = []
    for k, ch in enumerate(s):
        if ch == "{":
            j = k - 1
            while j >= 0 and s[j] == " ":
                j -= 1
            stack.append((k, j >= 0 and s[j] in "^_"))
            commas.append(False)
        elif ch == "," and commas:
            commas[-1] = True
        elif ch == "}" and stack:
            start, grouping = stack.pop()
            is_set = commas.pop() and not grouping
            out[start], out[k] = ("\x01", "\x02") if is_set else ("(", ")")
    return "".join(out)


def _commands(s: str) -> str:
    """Rewrite \\frac, \\sqrt, \\binom and named functions; other commands lose their backslash."""
    out: list[str] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        m = _CMD.match(s, i)
        if not m:
            i += 1
            continue
        name, i = m.group(1), m.end()
        if name in ("frac", "binom"):
            a, i = _group(s, i)
            b, i = _group(s, i)
            a, b = _commands(a), _commands(b)
            out.append(f"(({a})/({b}))" if name == "frac" else f"binom({a}, {b})")
        elif name == "log" and re.match(r"\s*_", s[i:]):  # \log_2 8 = log(8) / log(2)
            j = s.index("_", i) + 1
            base_m = re.match(r"\s*(\d+|[A-Za-z])", s[j:])
            if j < len(s) and s[j:].lstrip().startswith("{"):
                base, i = _group(s, j)
            elif base_m:
                base, i = base_m.group(1), j + base_m.end()
            else:
                raise ParseError("malformed \\log_ base")
            out.append(f" ((1)/(log({_commands(base)}))) * log ")
        elif name == "sqrt":
            j = i
            while j < len(s) and s[j] == " ":
                j += 1
            if j < len(s) and s[j] == "[":
                k = s.find("]", j)
                if k < 0:
                    raise ParseError("unbalanced \\sqrt[")
                n = _commands(s[j + 1:k])
                a, i = _group(s, k + 1)
                out.append(f"root({_commands(a)}, {n})")
            else:
                digits = re.match(r"\s*(\d+)", s[i:])
                if digits:  # `\sqrt 11`: models mean the whole number, not TeX's one-token argument
                    a, i = digits.group(1), i + digits.end()
                else:
                    a, i = _group(s, i)
                out.append(f"sqrt({_commands(a)})")
        elif name in ("mathbb", "mathcal", "mathfrak", "hat", "bar", "vec", "overline", "underline", "tilde",
                      "widehat", "overrightarrow"):
            a, i = _group(s, i)
            # \mathbb{R}: all reals, the interval (-oo, oo)
            out.append(" (-oo, oo) " if name == "mathbb" and a.strip() == "R" else " " + _commands(a) + " ")
        else:
            out.append(" " + name + " ")
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# tokenizer and expression parser
# ---------------------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)(?:[eE]([+-]?\d+)(?![A-Za-z]))?|([A-Za-z]+(?:_[({]?[A-Za-z0-9]+[)}]?)?)"
                    r"|(\*\*|<=|>=|!=|==|[-+*/^()\[\],=<>!{}±∓|']))")


def tokenize(s: str) -> list[tuple[str, Any]]:
    toks: list[tuple[str, Any]] = []
    pos = 0
    s = s.rstrip()
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise ParseError(f"unexpected character {s[pos]!r}")
        pos = m.end()
        if m.group(1) is not None:
            toks.append(("num", (m.group(1), m.group(2))))
        elif m.group(3) is not None:
            toks.extend(_split_word(m.group(3)))
        else:
            op = m.group(4)
            toks.append(("op", "^" if op == "**" else op))
    return toks


def _split_word(w: str) -> list[tuple[str, Any]]:
    """A run of letters: known function/constant names, else single-letter symbols (xy = x*y)."""
    if "_" in w:  # a subscripted symbol such as a_1 or x_{n}
        return [("id", re.sub(r"[{}()]", "", w))]
    if w in GREEK:
        return [("id", w)]
    out: list[tuple[str, Any]] = []
    i = 0
    lw = w
    while i < len(lw):
        for name in _NAMES:
            if lw.startswith(name, i):
                out.append(("id", name))
                i += len(name)
                break
        else:
            out.append(("id", lw[i]))
            i += 1
    return out


def _num_node(text: str, exp: str | None) -> Node:
    if exp is None and "." not in text:
        return ("n", Fraction(int(text)))
    if exp is not None and abs(int(exp)) > 400:
        raise LimitError("decimal exponent too large")
    mant = text.strip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    digits = mant.replace(".", "").lstrip("0")
    sig = max(len(digits), 1)
    val = Fraction(text if not text.endswith(".") else text[:-1] or "0")
    if exp is not None:
        val *= Fraction(10) ** int(exp)
        decimals -= int(exp)
    return ("d", val, decimals, sig)


class _Parser:
    def __init__(self, toks: list[tuple[str, Any]]) -> None:
        self.t = toks
        self.i = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, op: str | None = None) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise ParseError(f"expected {op!r}" if op else "unexpected end")
        self.i += 1
        return tok

    def at(self, op: str) -> bool:
        return self.peek() == ("op", op)

    def expr(self) -> Node:
        terms = [self.term()]
        while self.at("+") or self.at("-"):
            op = self.take()[1]
            t = self.term()
            terms.append(t if op == "+" else ("neg", t))
        return terms[0] if len(terms) == 1 else ("+", tuple(terms))

    def _starts_atom(self) -> bool:
        tok = self.peek()
        return tok is not None and (tok[0] in ("num", "id") or tok in (("op", "("), ("op", "{")))

    def term(self) -> Node:
        node = self.unary()
        while True:
            if self.at("*"):
                self.take()
                node = ("*", (node, self.unary()))
            elif self.at("/"):
                self.take()
                node = ("/", node, self.unary())
            elif self._starts_atom():  # implicit multiplication: 2x, 2(x+1), 3sqrt(2)
                if self.peek()[0] == "num":
                    # `2 2 11` or `4 3` is not a product: digits side by side are a misread number or a list
                    raise ParseError("two numbers side by side")
                node = ("*", (node, self.power()))
            else:
                return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            return ("neg", self.unary())
        if self.at("+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.at("^"):
            self.take()
            return ("^", base, self.unary())
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.at("!") or self.at("'"):
            if self.take()[1] == "'":
                raise ParseError("derivative marks are not supported")
            node = ("!", node)
        return node

    def atom(self) -> Node:
        tok = self.take()
        kind, val = tok
        if kind == "num":
            return _num_node(*val)
        if kind == "id":
            if val in FUNCS:
                power = None
                if self.at("^") and val not in ("sqrt", "root", "binom", "gcd", "lcm"):  # \tan^2(y) = (tan y)^2
                    self.take("^")
                    power = self.postfix()
                    if power == ("neg", ("n", 1)) or power == ("n", -1):
                        raise ParseError("inverse-function exponents are ambiguous")
                if self.at("("):
                    self.take("(")
                    args = [self.expr()]
                    while self.at(","):
                        self.take()
                        args.append(self.expr())
                    self.take(")")
                else:  # \sin x, \ln 2, \sin 2y: the function applies to the juxtaposed factors that follow,
                    # up to the next function or bracket (`2 \sin y \cos y` is sin(y) times cos(y))
                    arg = self.power()
                    while (tok := self.peek()) is not None and tok[0] == "id" and tok[1] not in FUNCS:
                        arg = ("*", (arg, self.power()))
                    args = [arg]
                fn = ("f", "log" if val == "ln" else val, tuple(args))
                return fn if power is None else ("^", fn, power)
            if val in CONSTS:
                return ("c", CONSTS[val])
            return ("s", val)
        if tok in (("op", "("), ("op", "{")):
            close = ")" if val == "(" else "}"
            node = self.expr()
            self.take(close)
            return node
        raise ParseError(f"unexpected {val!r}")


def parse_expr(s: str) -> Node:
    """Plain-text expression -> AST (raises ParseError)."""
    toks = tokenize(s)
    if not toks:
        raise ParseError("empty expression")
    p = _Parser(toks)
    node = p.expr()
    if p.i != len(toks):
        raise ParseError(f"unexpected {toks[p.i][1]!r}")
    return node


# ---------------------------------------------------------------------------------------------------------------
# structure of a whole answer
# ---------------------------------------------------------------------------------------------------------------
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d+)?$")
_WORD = re.compile(r"^[A-Za-z][A-Za-z '\-.]*$")
#: characters a value may end with before its trailing unit words ('5 cm', '(1, 2) m', 'x cm')
_UNIT_LEAD = frozenset("0123456789)}]abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def split_top(s: str, seps: tuple[str, ...]) -> list[str]:
    """Split s on separators that are outside brackets."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        ch = s[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            for sep in seps:
                if s.startswith(sep, i):
                    parts.append(s[start:i])
                    i += len(sep)
                    start = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    parts.append(s[start:])
    return parts


def _outer_depth(s: str) -> int | None:
    """Bracket depth left at the end of s, or None if the bracket opened at s[0] closes before the end."""
    depth = 0
    for k, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and k != len(s) - 1:
                return None
    return depth


def _enclosed(s: str, open_: str, close: str) -> bool:
    """Whether s[0] is open_ and its matching bracket is the last character."""
    return bool(s) and s[0] == open_ and s[-1] == close and _outer_depth(s) is not None


def is_text_answer(raw: str) -> bool:
    """A gold answer that is words, not math: compared as text (yes/no, names)."""
    t = clean_text(raw)
    if not _WORD.match(t) or len(t) < 2:
        return False
    words = re.findall(r"[a-z]+", t)
    return any(len(w) >= 2 and w not in FUNCS and w not in CONSTS for w in words)


def clean_text(raw: str) -> str:
    t = _unwrap_text(raw) if "\\" in raw else raw
    t = t.replace("$", "").strip().rstrip(".!").strip().lower()
    return re.sub(r"\s+", " ", t)


def _exponent_start(s: str, j: int) -> int:
    """Start of a unit exponent `^2`, `^ (3)`, `^(2` ending at s[:j], or -1 (read backwards, one way only)."""
    if j and s[j - 1] == ")":
        j -= 1
    if not j or s[j - 1] not in "23":
        return -1
    j -= 1
    if j and s[j - 1] == "(":
        j -= 1
    while j and s[j - 1].isspace():
        j -= 1
    return j - 1 if j and s[j - 1] == "^" else -1


def _unit_tail(s: str) -> tuple[int, int]:
    """(end of the value, start of its trailing unit words) of s, or (-1, -1) when s has no such tail.

    The tail is a run of letter words, each optionally followed by an exponent 2/3, separated by spaces, which
    follows whitespace after a digit, a closing bracket or a letter. Of all such splits the one with the longest
    tail is taken. The text is read backwards once (linear time); a regular expression for the same grammar
    needs nested quantifiers, which backtrack exponentially on a long run of letters that is not a tail.
    """
    j = len(s)
    best = (-1, -1)
    while True:
        while j and s[j - 1].isspace():
            j -= 1
        e = _exponent_start(s, j)
        if e >= 0:  # an exponent must follow a word
            j = e
            while j and s[j - 1].isspace():
                j -= 1
        k = j
        while k and s[k - 1] in _ASCII_LETTERS:
            k -= 1
        if k == j:
            return best
        p = k  # the value ends before the whitespace in front of this word
        while p and s[p - 1].isspace():
            p -= 1
        if p < k and p and s[p - 1] in _UNIT_LEAD:
            best = (p, k)
        j = k


def strip_units(s: str) -> str:
    """Drop trailing unit words after a number ('5 cm', '12 square meters', '3 cm^2')."""
    end, start = _unit_tail(s)
    if end >= 0:
        words = re.findall(r"[A-Za-z]+", s[start:])
        if words and all(w.lower() in UNITS for w in words):
            return s[:end]
    return s


#: units of measure -> one name per unit (abbreviations, plurals and spellings folded); count nouns ("apples",
#: "people") are not units of measure and are not compared
_MEASURE = {}
for _canon, _names in {"millimeter": "mm millimeter millimeters millimetre millimetres",
                       "centimeter": "cm centimeter centimeters centimetre centimetres",
                       "meter": "m meter meters metre metres", "kilometer": "km kilometer kilometers kilometre kilometres",
                       "inch": "inch inches", "foot": "ft foot feet", "yard": "yd yard yards", "mile": "mile miles",
                       "second": "s sec secs second seconds", "minute": "min mins minute minutes",
                       "hour": "h hr hrs hour hours", "day": "day days", "week": "week weeks",
                       "month": "month months", "year": "year years", "milligram": "mg", "gram": "g gram grams",
                       "kilogram": "kg kilogram kilograms", "pound": "lb lbs pound pounds",
                       "ounce": "oz ounce ounces", "milliliter": "ml", "liter": "l liter liters litre litres",
                       "mph": "mph", "unit": "unit units"}.items():
    for _n in _names.split():
        _MEASURE[_n] = _canon


def unit_of(raw: str) -> str | None:
    """The unit of measure a value is written with (`201\\text{ cm}` -> "centimeter", `12 square meters` ->
    "meter^2"), or None when it has none (or only count nouns, which are not compared)."""
    s = raw.strip()
    if "\\" in s or "{" in s or "$" in s:
        try:
            s = latex_to_text(s)
        except ParseError:
            return None
    s = re.sub(r"\s+", " ", s.replace("\n", " ")).strip().rstrip(".").strip()
    end, start = _unit_tail(s)
    if end < 0:
        return None
    words = [w.lower() for w in re.findall(r"[A-Za-z]+|\^\s*\(?\s*[23]", s[start:])]
    if not words or not all(w.startswith("^") or w in UNITS for w in words):
        return None
    power, names = 1, []
    for w in words:
        if w in ("square", "sq"):
            power = 2
        elif w == "cubic":
            power = 3
        elif w.startswith("^"):
            power = int(w[-1])
        elif w in _MEASURE:
            names.append(_MEASURE[w])
        else:
            return None  # a count noun or a word such as "per": not a unit this comparison knows
    if len(names) != 1:
        return None
    return names[0] + (f"^{power}" if power > 1 else "")


def normalize(raw: str) -> str:
    """The canonical plain text of an answer (also the cache key): LaTeX rewritten, spacing collapsed."""
    s = raw.strip()
    if "\\" in s or "{" in s or "$" in s or any(c in s for c in "−–·×÷≤≥≠π∞√∪∅°"):
        s = latex_to_text(s)
    s = _line_breaks(s.strip())
    s = re.sub(r"\s+", " ", s).strip()
    s = s.rstrip(".").strip()
    s = strip_units(s)
    return s


_JOINERS = frozenset("+-*/=,^(<>")


def _line_breaks(s: str) -> str:
    """Line breaks outside brackets separate statements (`x = 1` / `y = 2` is the list `x = 1; y = 2`, never the
    chain x = 1y = 2), except where a line ends or the next begins with an operator (a wrapped expression)."""
    if "\n" not in s:
        return s
    out, depth = [], 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == "\n" and depth == 0:
            before = s[:i].rstrip()[-1:]
            after = s[i + 1:].lstrip()[:1]
            if before and after and before not in _JOINERS and after not in _JOINERS | {")", "]", "}"}:
                out.append("; ")
                continue
            ch = " "
        out.append(ch)
    return "".join(out)


def parse_answer(raw: str, max_chars: int = 2000, max_nesting: int = 60) -> Value:
    """Answer text (already extracted) -> a structured Value."""
    if len(raw) > max_chars:
        raise LimitError(f"answer longer than {max_chars} characters")
    if max_depth(raw) > max_nesting:
        raise LimitError(f"answer nested deeper than {max_nesting} brackets")
    return parse_value(normalize(raw))


def parse_value(s: str) -> Value:
    s = s.strip()
    if not s:
        raise ParseError("empty answer")
    if _SPACED_THOUSANDS.match(s):  # 1 000 000 (SI digit groups; `4 3` is not a number)
        s = s.replace(" ", "")
    if s.endswith("%"):
        return ("pct", parse_expr(s[:-1]))
    # alternatives: "2 or 3", "x=1, y=2", "1; 2"; a list joined by "or" is marked: it offers alternatives, which
    # an ordered tuple of values (x, y) = (1, 2) is not
    s = _SERIAL_COMMA.sub(", ", s)  # "p = 1, q = 2, and r = 3" is the list "p = 1, q = 2, r = 3"
    for seps in ((" or ", " and ", ";"), (",",)):
        parts = split_top(s, seps)
        if len(parts) > 1:
            if seps == (",",) and _THOUSANDS.match(s.replace(" ", "")) and " " not in s:
                return ("expr", parse_expr(s.replace(",", "")), ("thousands", len(parts)))
            if any(not p.strip() for p in parts):
                raise ParseError("empty list item")
            items = tuple(parse_value(p) for p in parts)
            if seps[0] == " or " and len(split_top(s, (" or ",))) > 1:
                return ("list", items, "or")
            return ("list", items)
    m = _MEMBER.match(s)
    if m:  # x in [-2, 7]
        return parse_value(m.group(1))
    if " U " in s:
        parts = split_top(s, (" U ",))
        if len(parts) > 1:
            return ("union", tuple(parse_value(p) for p in parts))
    if s[0] in "([" and s[1:].lstrip().startswith("Matrix(") and _enclosed(s, s[0], ")" if s[0] == "(" else "]"):
        s = s[1:-1].strip()  # \left[\begin{array}..\end{array}\right]: the brackets are the matrix's own
    if s.startswith("Matrix(") and s.endswith(")"):
        inner_v = parse_value(s[7:-1])
        return inner_v if inner_v[0] == "matrix" else _matrix(inner_v)
    if s[0] in "([" and s[-1] in ")]" and (_enclosed(s, s[0], ")" if s[0] == "(" else "]") or
                                           _mixed_interval(s)):
        inner = s[1:-1]
        parts = split_top(inner, (",",))
        if len(parts) > 1:
            if s[0] == "[" and all(p.strip().startswith("[") for p in parts):
                return _matrix(("seq", "[", "]", tuple(parse_value(p) for p in parts)))
            return ("seq", s[0], s[-1], tuple(parse_value(p) for p in parts))
        if s[0] == "[" and s[-1] == "]":
            return ("seq", "[", "]", (parse_value(inner),))
    if s[0] == "{" and _enclosed(s, "{", "}"):
        inner = s[1:-1].strip()
        return ("set", tuple(parse_value(p) for p in split_top(inner, (",",))) if inner else ())
    for op in ("<=", ">=", "!=", "<", ">"):
        if op in s:
            return _relation(s)
    if "=" in s:
        sides = split_top(s, ("=",))
        named = _named_tuple(sides)
        if named is not None:
            return named
        if len(sides) == 2 and _FUNC_OF.match(sides[0].strip()):  # f(x) = x^2: the function's name is the lhs
            return ("eq", ("s", sides[0].strip()[0]), parse_expr(sides[1]))
        if len(sides) == 2 and sides[0].strip() and sides[1].strip():
            return ("eq", parse_expr(sides[0]), parse_expr(sides[1]))
        if len(sides) > 2 and all(p.strip() for p in sides):  # x = 2 + 1 = 3: the last side is the value
            return ("eq", parse_expr(sides[0]), parse_expr(sides[-1]))
        raise ParseError("malformed equation")
    if "±" in s or "∓" in s:
        a = parse_expr(s.replace("∓", "±").replace("±", "+", 1))
        b = parse_expr(s.replace("∓", "±").replace("±", "-", 1))
        return ("list", (("expr", a), ("expr", b)))
    return ("expr", parse_expr(s))


_SERIAL_COMMA = re.compile(r",\s*\band\s+")
_FUNC_OF = re.compile(r"^[a-zA-Z]\s*\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z])*\s*\)$")
#: `x in [-2, 7]`, `x ∈ (0, 1)` ("in" a word of its own: `sin (2y)` is not membership)
_MEMBER = re.compile(r"^[A-Za-z]\s*(?:\bin\s+|∈\s*)(.+)$")
_IDENT = re.compile(r"^[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?$")


def _named_tuple(sides: list[str]) -> Value | None:
    """`(x, y) = (1, 2)` -> the list of equations x = 1, y = 2; None when the sides are not such tuples."""
    if len(sides) != 2:
        return None
    lhs, rhs = sides[0].strip(), sides[1].strip()
    if not (lhs[:1] == "(" and _enclosed(lhs, "(", ")") and rhs[:1] in "([" and rhs[-1:] in ")]"):
        return None
    names = [n.strip() for n in split_top(lhs[1:-1], (",",))]
    if len(names) < 2 or not all(_IDENT.match(n) for n in names):
        return None
    vals = split_top(rhs[1:-1], (",",))
    if len(vals) != len(names):
        raise ParseError("a tuple of names and a tuple of values of different lengths")
    return ("list", tuple(("eq", ("s", re.sub(r"[{}]", "", n)), parse_expr(v)) for n, v in zip(names, vals)),
            "tuple")


def _mixed_interval(s: str) -> bool:
    """[a, b) or (a, b]: brackets that do not pair up but enclose the whole text."""
    return (s[0], s[-1]) in (("[", ")"), ("(", "]")) and _outer_depth(s) == 0


def _matrix(v: Value) -> Value:
    if v[0] not in ("seq", "list") or not (v[1] if v[0] == "list" else v[3]):
        raise ParseError("malformed matrix")
    rows = []
    items = v[1] if v[0] == "list" else v[3]
    for row in items:
        if row[0] == "seq":
            rows.append(tuple(x for x in row[3]))
        elif row[0] == "expr":  # a 1-element row such as [5]
            rows.append((row,))
        else:
            raise ParseError("malformed matrix row")
    if len({len(r) for r in rows}) != 1:
        raise ParseError("matrix rows of different lengths")
    return ("matrix", tuple(rows))


def _relation(s: str) -> Value:
    """`x < 3`, `1 < x <= 2`, `x >= -1` -> an interval ("seq" with brackets); other relations raise."""
    if "!=" in s:  # x != 5 -> (-oo, 5) U (5, oo)
        sides = s.split("!=")
        if len(sides) != 2 or not all(x.strip() for x in sides):
            raise ParseError("unsupported relation")
        a, b = parse_expr(sides[0]), parse_expr(sides[1])
        sym, val = (a, b) if a[0] == "s" else (b, a) if b[0] == "s" else (None, None)
        if sym is None or _has_symbol(val):
            raise ParseError("unsupported relation")
        return ("union", (("seq", "(", ")", (("expr", ("neg", ("c", "oo"))), ("expr", val))),
                          ("seq", "(", ")", (("expr", val), ("expr", ("c", "oo"))))))
    parts = re.split(r"(<=|>=|<|>)", s)
    exprs = [p.strip() for p in parts[0::2]]
    ops = parts[1::2]
    if not all(exprs):
        raise ParseError("unsupported relation")
    nodes = [parse_expr(e) for e in exprs]
    if len(nodes) == 2:  # -x > -1, 2x <= 6: divide by the symbol's coefficient (flipping when negative)
        for k in (0, 1):
            lin = _scaled_symbol(nodes[k])
            if lin is not None and lin[1] != 1 and not _has_symbol(nodes[1 - k]):
                sym, coef = lin
                other = nodes[1 - k]
                nodes[k] = sym
                nodes[1 - k] = ("neg", other) if coef == -1 else ("/", other, _num(coef))
                if coef < 0:
                    ops = [{"<": ">", ">": "<", "<=": ">=", ">=": "<="}[ops[0]]]
                break
    syms = [k for k, n in enumerate(nodes) if n[0] == "s"]
    if len(nodes) == 2 and len(syms) >= 1:
        k = syms[0]
        other = nodes[1 - k]
        op = ops[0]
        if k == 1:  # 3 > x  ->  x < 3
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op]
        if op in ("<", "<="):
            return ("seq", "(", ")" if op == "<" else "]", (("expr", ("neg", ("c", "oo"))), ("expr", other)))
        return ("seq", "(" if op == ">" else "[", ")", (("expr", other), ("expr", ("c", "oo"))))
    if len(nodes) == 3 and nodes[1][0] == "s" and ops[0] in ("<", "<=") and ops[1] in ("<", "<="):
        return ("seq", "(" if ops[0] == "<" else "[", ")" if ops[1] == "<" else "]",
                (("expr", nodes[0]), ("expr", nodes[2])))
    if len(nodes) == 3 and nodes[1][0] == "s" and ops[0] in (">", ">=") and ops[1] in (">", ">="):
        return ("seq", "(" if ops[1] == ">" else "[", ")" if ops[0] == ">" else "]",
                (("expr", nodes[2]), ("expr", nodes[0])))
    raise ParseError("unsupported relation")


def _num(q: Fraction) -> Node:
    a = abs(q)
    node = ("n", a) if a.denominator == 1 else ("/", ("n", Fraction(a.numerator)), ("n", Fraction(a.denominator)))
    return ("neg", node) if q < 0 else node


def _has_symbol(node: Node) -> bool:
    """Whether a symbol occurs anywhere in the AST."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n and n[0] == "s" and len(n) == 2 and isinstance(n[1], str):
            return True
        stack.extend(x for x in n if isinstance(x, tuple))
    return False


def _scaled_symbol(node: Node) -> tuple[Node, Fraction] | None:
    """(symbol, c) when node is c*x for an integer or rational literal c (x, -x, 2x, -3x), else None."""
    if node[0] == "s":
        return node, Fraction(1)
    if node[0] == "neg":
        inner = _scaled_symbol(node[1])
        return None if inner is None else (inner[0], -inner[1])
    if node[0] == "*" and len(node[1]) == 2:
        a, b = node[1]
        if a[0] == "n" and b[0] == "s" and a[1] != 0:
            return b, a[1]
        if b[0] == "n" and a[0] == "s" and b[1] != 0:
            return a, b[1]
    return None
