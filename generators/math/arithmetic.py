"""math.arithmetic: integer expressions over +, - and * with a few terms; a family small models can learn."""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, knob, register

OPS = ("+", "-", "*")


@dataclass(frozen=True)
class ArithmeticKnobs(Knobs):
    digits: int = knob(1, lo=1, hi=6, help="digits per operand (1 = 0..9, 2 = 10..99, ...)")
    terms: int = knob(2, lo=2, hi=6, help="number of operands")
    ops: str = knob("+", help="operators to draw from, as a string, e.g. '+', '+-', '+-*'")
    mul_digits: int = knob(1, lo=1, hi=6, help="largest number of digits of an operand of '*'")

    def check(self) -> None:
        if not self.ops or any(c not in OPS for c in self.ops) or len(set(self.ops)) != len(self.ops):
            raise HardgenError(f"knob 'ops' must be distinct characters from {''.join(OPS)!r}, got {self.ops!r}")
        if self.mul_digits > self.digits:
            raise HardgenError(f"knob 'mul_digits' ({self.mul_digits}) cannot exceed 'digits' ({self.digits})")


def _operand(rng: random.Random, digits: int) -> int:
    # one-digit operands include 0; wider ones have exactly `digits` digits so the knob means what it says
    lo = 0 if digits == 1 else 10 ** (digits - 1)
    return rng.randint(lo, 10 ** digits - 1)


def evaluate_terms(values: list[int], ops: list[str]) -> int:
    """Value of `v0 op0 v1 op1 v2 ...` with the usual precedence: products first, then left-to-right sums."""
    # fold the expression into signed products: each '+'/'-' starts a new summand, '*' extends the current one
    summands: list[int] = []
    sign, product = 1, values[0]
    for op, v in zip(ops, values[1:]):
        if op == "*":
            product *= v
        else:
            summands.append(sign * product)
            sign, product = (1 if op == "+" else -1), v
    summands.append(sign * product)
    return sum(summands)


def expression_text(values: list[int], ops: list[str]) -> str:
    parts = [str(values[0])]
    for op, v in zip(ops, values[1:]):
        parts.append(f" {op} {v}")
    return "".join(parts)


def _eval_ast(node: ast.AST) -> int:
    """Evaluate a parsed integer expression of +, -, * (the rederive route: Python's own parser and precedence)."""
    if isinstance(node, ast.Expression):
        return _eval_ast(node.body)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        a, b = _eval_ast(node.left), _eval_ast(node.right)
        return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
    raise ValueError(f"unexpected node {type(node).__name__}")


@register
class Arithmetic(Family):
    name = "math.arithmetic"
    Knobs = ArithmeticKnobs
    levels = {
        "easy": {"digits": 1, "terms": 2, "ops": "+", "mul_digits": 1},
        "medium": {"digits": 2, "terms": 2, "ops": "+-", "mul_digits": 1},
        "hard": {"digits": 2, "terms": 3, "ops": "+-*", "mul_digits": 2},
        "extreme": {"digits": 4, "terms": 5, "ops": "+-*", "mul_digits": 3},
    }
    description = "Evaluate a short integer expression with +, - and * (multiplication binds tighter)."
    verification = ("The value is computed while the expression is built, by folding it into signed products; "
                    "`gen verify` re-parses the printed expression with Python's parser and evaluates the tree, "
                    "and checks the operands printed in the prompt match the stored ones.")

    def generate(self, k: ArithmeticKnobs, rng: random.Random) -> Candidate:
        ops = [rng.choice(k.ops) for _ in range(k.terms - 1)]
        values = [_operand(rng, k.digits) for _ in range(k.terms)]
        # operands of a product are capped at `mul_digits` digits so products stay in the intended range
        for i, op in enumerate(ops):
            if op == "*":
                for j in (i, i + 1):
                    if values[j] >= 10 ** k.mul_digits:
                        values[j] = _operand(rng, k.mul_digits)
        expr = expression_text(values, ops)
        answer = str(evaluate_terms(values, ops))
        prompt = f"Compute {expr}. Put the final answer in \\boxed{{}}."
        check = {"kind": "math", "params": {"values": values, "ops": ops}}
        return Candidate(prompt, answer, check, {"terms": k.terms, "digits": k.digits,
                                                 "ops": "".join(sorted(set(ops), key=OPS.index))})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        p = record["check"]["params"]
        expr = expression_text(p["values"], p["ops"])
        try:
            value = _eval_ast(ast.parse(expr, mode="eval"))
        except (SyntaxError, ValueError):
            return {"rederived": False}
        return {"prompt_matches": f"Compute {expr}." in record["prompt"], "rederived": str(value) == record["answer"]}

    def explain(self, record: dict) -> str:
        """A worked solution: products first, then the sums left to right, ending in the boxed answer."""
        p = record["check"]["params"]
        values, ops = list(p["values"]), list(p["ops"])
        steps = []
        # collapse products one at a time, then sums, writing each intermediate expression
        while "*" in ops:
            i = ops.index("*")
            values[i:i + 2] = [values[i] * values[i + 1]]
            del ops[i]
            steps.append(expression_text(values, ops))
        while ops:
            v = values[0] + values[1] if ops[0] == "+" else values[0] - values[1]
            values[0:2] = [v]
            del ops[0]
            steps.append(expression_text(values, ops))
        expr = expression_text(p["values"], p["ops"])
        chain = " = ".join([expr] + steps)
        return f"{chain}. The answer is \\boxed{{{values[0]}}}."
