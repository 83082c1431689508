"""How models write a final answer: response and reference wrappers for the verification corpus.

Each response style takes the answer as the model would write it (LaTeX or plain text) and returns a whole
response in one of the conventions seen in real output: MATH/Numina/OpenThoughts worked solutions (boxed or not),
Minerva's "Final Answer: The final answer is $X$. I hope it is correct.", GSM8K's `#### X`, Qwen's "### Final
Answer", DeepSeek-R1-style `<think>...</think>` reasoning, display blocks and bold answers. The chain of thought
is filler with its own numbers in it, so a reader that grabs the last number anywhere is caught out.
"""

from __future__ import annotations

import random

_OPENERS = ["Let's work through this step by step.", "We need to find the requested quantity.",
            "First, let us set up the problem carefully.", "I'll start by writing down what we know.",
            "To solve this, we break it into smaller parts.", "Let me think about the structure of the problem."]
_STEPS = ["Multiplying both sides by ${a}$ gives ${b}$ on the right-hand side.",
          "Note that ${a} \\cdot {b} = {ab}$, which we will use below.",
          "Substituting $n = {a}$ into the expression, we get ${ab}$.",
          "The first case contributes ${a}$ possibilities and the second contributes ${b}$.",
          "Since ${a} + {b} = {apb}$, the remaining part must balance it.",
          "We check the boundary: at $x = {a}$ the value is ${b}$, so this case is excluded.",
          "Simplifying, the equation becomes ${a}x = {ab}$, so we continue from there.",
          "Let's double-check by plugging back in: the left side is {a} and the right side is {a}, good.",
          "The discriminant is ${b}^2 - 4 \\cdot {a} = {disc}$.",
          "So far we have used {a} of the {apb} available items."]
_THINK = ["Hmm, wait. Let me reconsider the second step; maybe I made an arithmetic slip.",
          "Actually, let me recompute: {a} times {b} is {ab}. Yes.",
          "Wait, is that right? If n = {a}, then we'd get {b}... no, that doesn't work.",
          "Let me try another approach to be sure.",
          "Okay, so maybe the answer is {a}? No, I forgot the constraint.",
          "Let me verify with a small case: for n = 2 we get {b}, which matches."]


def _nums(rng: random.Random) -> dict:
    a, b = rng.randint(2, 19), rng.randint(2, 29)
    return {"a": a, "b": b, "ab": a * b, "apb": a + b, "disc": b * b - 4 * a}


def cot(rng: random.Random, steps: tuple[int, int] = (2, 4)) -> str:
    """A short chain of thought with numbers of its own."""
    body = [rng.choice(_OPENERS)]
    for _ in range(rng.randint(*steps)):
        body.append(rng.choice(_STEPS).format(**_nums(rng)))
    return " ".join(body)


def long_solution(rng: random.Random) -> str:
    """A Numina/OpenThoughts-style multi-paragraph worked solution (without its final answer)."""
    paras = []
    for i in range(rng.randint(3, 5)):
        head = rng.choice(["", f"**Step {i + 1}:** ", f"### Step {i + 1}\n\n", f"{i + 1}. "])
        paras.append(head + cot(rng, (2, 3)))
    eq = _nums(rng)
    paras.insert(1, "\\[\n{a}x + {b} = {ab} \\quad\\Longrightarrow\\quad x = \\frac{{{ab} - {b}}}{{{a}}}\n\\]"
                 .format(**eq))
    return "\n\n".join(paras)


def thinking(rng: random.Random, tentative: str | None = None) -> str:
    """The inside of a `<think>` block: meandering reasoning, optionally proposing a tentative answer."""
    parts = [cot(rng, (3, 5))]
    for _ in range(rng.randint(2, 4)):
        parts.append(rng.choice(_THINK).format(**_nums(rng)))
        parts.append(cot(rng, (1, 2)))
    if tentative is not None:
        parts.append(f"So the answer should be {tentative}. Let me double check that once more.")
    return "\n\n".join(parts)


def _math(a: str) -> str:
    """The answer in inline math, unless it is prose."""
    return a if a.startswith("$") else f"${a}$"


# ---- response styles: (name, fn(answer, rng) -> response); `answer` is LaTeX or plain text ---------------------

def boxed_short(a: str, rng: random.Random) -> str:
    end = rng.choice(["Therefore, the answer is $\\boxed{{{a}}}$.", "So the answer is \\boxed{{{a}}}.",
                      "Hence we get \\(\\boxed{{{a}}}\\).", "The final answer is $\\boxed{{{a}}}$."])
    return cot(rng) + "\n\n" + end.format(a=a)


def numina(a: str, rng: random.Random) -> str:
    end = rng.choice(["Thus, the final answer is $\\boxed{{{a}}}$.",
                      "Therefore, the answer is:\n\\[\n\\boxed{{{a}}}\n\\]",
                      "The answer is $\\boxed{{{a}}}$.", "Hence the required value is $\\boxed{{{a}}}$.",
                      "Conclusion: $\\boxed{{{a}}}$"])
    return long_solution(rng) + "\n\n" + end.format(a=a)


def numina_unboxed(a: str, rng: random.Random) -> str:
    end = rng.choice(["Therefore, the answer is {m}.", "Thus the value is {m}.", "So the final answer is {m}.",
                      "Hence, the answer is {m}."])
    return long_solution(rng) + "\n\n" + end.format(m=_math(a))


def openthoughts(a: str, rng: random.Random) -> str:
    return ("<|begin_of_thought|>\n\n" + thinking(rng) + "\n\n<|end_of_thought|>\n\n<|begin_of_solution|>\n\n"
            + long_solution(rng) + f"\n\nThe final answer is $\\boxed{{{a}}}$.\n\n<|end_of_solution|>")


def minerva(a: str, rng: random.Random) -> str:
    return cot(rng) + f"\nFinal Answer: The final answer is ${a}$. I hope it is correct."


def qwen(a: str, rng: random.Random) -> str:
    return (f"To solve the problem, we proceed step by step.\n\n{long_solution(rng)}\n\n### Final Answer\n\n"
            + rng.choice(["\\[\n\\boxed{{{a}}}\n\\]", "The final answer is \\(\\boxed{{{a}}}\\).",
                          "$\\boxed{{{a}}}$"]).format(a=a))


def r1_think(a: str, rng: random.Random) -> str:
    return ("<think>\n" + thinking(rng) + "\n</think>\n\n" + cot(rng, (1, 2)) + "\n\n**Final Answer**\n"
            + rng.choice(["\\[\n\\boxed{{{a}}}\n\\]", "\\boxed{{{a}}}", "The answer is $\\boxed{{{a}}}$."]).format(a=a))


def r1_think_unboxed(a: str, rng: random.Random) -> str:
    return "<think>\n" + thinking(rng) + "\n</think>\n\n" + cot(rng, (1, 2)) + f"\n\n**Answer:** {_math(a)}"


def display_end(a: str, rng: random.Random) -> str:
    return cot(rng) + rng.choice(["\n\nSo the answer is\n\\[ {a} \\]", "\n\nTherefore\n$$ {a} $$",
                                  "\n\nThe answer:\n\\[\n{a}\n\\]"]).format(a=a)


def bold(a: str, rng: random.Random) -> str:
    inner = a if all(c not in a for c in "\\^_{}") else f"${a}$"
    return cot(rng) + rng.choice(["\n\nThe answer is **{i}**.", "\n\n**Answer: {i}**", "\n\n**Final answer:** {i}"]
                                 ).format(i=inner)


def answer_line(a: str, rng: random.Random) -> str:
    return cot(rng) + rng.choice(["\nAnswer: {m}", "\n\nThe answer is {m}.", "\nFinal answer: {m}"]).format(m=_math(a))


MATH_STYLES = {"math_boxed": boxed_short, "numina": numina, "numina_unboxed": numina_unboxed,
               "openthoughts": openthoughts, "minerva": minerva, "qwen": qwen, "r1_think": r1_think,
               "r1_think_unboxed": r1_think_unboxed, "display_end": display_end, "bold": bold,
               "answer_line": answer_line}
#: styles that put the answer inside \boxed{} (safe for any LaTeX, including environments and braces)
BOXED_STYLES = ("math_boxed", "numina", "openthoughts", "qwen", "r1_think")
_WEIGHTS = {"math_boxed": 4, "numina": 4, "numina_unboxed": 2, "openthoughts": 2, "minerva": 3, "qwen": 3,
            "r1_think": 4, "r1_think_unboxed": 1, "display_end": 1, "bold": 1, "answer_line": 1}


def pick_style(rng: random.Random, boxed_only: bool = False) -> str:
    names = [n for n in _WEIGHTS if not boxed_only or n in BOXED_STYLES]
    return rng.choices(names, weights=[_WEIGHTS[n] for n in names])[0]


# ---- reference styles ------------------------------------------------------------------------------------------

def reference(ref: str, rng: random.Random, allow_solution: bool = True) -> tuple[str, str]:
    """(reference text, its style): the bare answer, in `$...$`, or a MATH-style solution with the boxed answer."""
    kind = rng.choices(["bare", "dollar", "solution"], weights=[5, 2, 3 if allow_solution else 0])[0]
    if kind == "bare":
        return ref, "ref_bare"
    if kind == "dollar":
        return f"${ref}$", "ref_dollar"
    return cot(rng, (2, 3)) + f" Therefore the answer is $\\boxed{{{ref}}}$.", "ref_solution"
