"""Formulas and rule conditions of a form: tiny, safe expressions over its cells.

A reference in brackets names a cell of the form:

- ``[ROW:COL]`` a row's cell under a value column of the same table,
- ``[ROW]`` a row's cell where the table has a single value column,
- ``[:COL]`` this row's cell under COL (column formulas, and rules checked on every row),
- ``[TABLE!ROW:COL]`` / ``[TABLE!ROW]`` a cell of another table.

Only arithmetic, comparisons, boolean operators and the functions ``ratio(a, b)``
(a / b, 0 when b is 0: a percentage held as a fraction), ``abs``, ``min`` and ``max``
are allowed, so a pack can never run code. Expressions are parsed once per form; each
file's values are a dict from cell keys to numbers.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

REFERENCE = re.compile(r"\[([^\[\]]*)\]")
_PART = r"[0-9A-Za-z]+(?:[._-][0-9A-Za-z]+)*"
REFERENCE_PARTS = re.compile(rf"^(?:({_PART})!)?({_PART})?(?::({_PART}))?$")
FUNCTIONS = ("ratio", "abs", "min", "max")

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Name, ast.Load, ast.Constant, ast.Call,
)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0


_GLOBALS = {"__builtins__": {}, "ratio": _ratio, "abs": abs, "min": min, "max": max}


@dataclass(frozen=True)
class Reference:
    """A bracketed reference as written: table, row and column codes, any of them omitted."""

    text: str
    table: str | None
    row: str | None
    column: str | None


def references_in(source: str) -> list[Reference]:
    """Every bracketed reference of ``source``; ValueError for one that is not well formed."""
    found = []
    for match in REFERENCE.finditer(source):
        parts = REFERENCE_PARTS.match(match.group(1).strip())
        if not parts or not (parts.group(2) or parts.group(3)):
            raise ValueError(f"[{match.group(1)}]")
        found.append(Reference(match.group(0), parts.group(1), parts.group(2), parts.group(3)))
    return found


def _name(index: int) -> str:
    return f"c{index}"


def parse(source: str) -> tuple[ast.Expression, int]:
    """The expression's syntax tree with references as names ``c0, c1…`` and how many there are;
    ValueError or SyntaxError when it is not a safe expression."""
    references_in(source)
    count = 0

    def name(_match) -> str:
        nonlocal count
        count += 1
        return _name(count - 1)

    tree = ast.parse(REFERENCE.sub(name, source).strip(), mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(type(node).__name__)
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, (int, float))):
            raise ValueError(repr(node.value))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
                raise ValueError(ast.unparse(node.func))
            if node.func.id == "ratio" and len(node.args) != 2:
                raise ValueError("ratio(a, b)")
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS and not re.fullmatch(r"c\d+", node.id):
            raise ValueError(node.id)
    return tree, count


def _function_of(tree: ast.Expression, count: int):
    """The whitelisted expression as a function of its references ``c0, c1…``, positionally.

    Called with its values, not evaluated with a dict of names built per evaluation
    (a table form recomputes its totals and ratios in every return).
    """
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg(_name(n)) for n in range(count)], kwonlyargs=[],
                              kw_defaults=[], defaults=[])
    function = ast.fix_missing_locations(ast.Expression(ast.Lambda(arguments, tree.body)))
    return eval(compile(function, "<form>", "eval"), _GLOBALS)  # noqa: S307 - the tree is whitelisted in parse()


class Expression:
    """One expression with its references resolved to cell keys, compiled once.

    ``keys[i]`` is the cell key the i-th reference stands for (the same key may repeat).
    """

    __slots__ = ("source", "keys", "function")

    def __init__(self, source: str, keys: tuple[str, ...]):
        tree, count = parse(source)
        if count != len(keys):
            raise ValueError("references and keys differ")
        self.source = source
        self.keys = keys
        self.function = _function_of(tree, count)

    @property
    def cells(self) -> tuple[str, ...]:
        """The distinct keys, in the order they are written."""
        return tuple(dict.fromkeys(self.keys))

    def value(self, values: dict[str, float | int | None]) -> float | int | None:
        """The result, or None when a referenced value is missing or the arithmetic fails."""
        get = values.get
        arguments = [get(key) for key in self.keys]
        if None in arguments:
            return None
        try:
            return self.function(*arguments)
        except (ZeroDivisionError, OverflowError, TypeError, ValueError):
            return None

    def holds(self, values: dict[str, float | int | None]) -> bool:
        """For conditions: False when a referenced value is missing."""
        result = self.value(values)
        return bool(result) if result is not None else False

    def excel(self, address_of) -> str:
        """The expression as an Excel formula body (no ``=``), each reference replaced by
        ``address_of(key)``; ``ratio(a, b)`` becomes ``IF((b)=0,0,(a)/(b))``."""
        keys = iter(self.keys)
        text = REFERENCE.sub(lambda _m: address_of(next(keys)), self.source)
        return _excel_functions(text)

    def __reduce__(self):
        return (Expression, (self.source, self.keys))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and (self.source, self.keys) == (other.source, other.keys)

    def __hash__(self) -> int:
        return hash((self.source, self.keys))

    def __repr__(self) -> str:
        return f"Expression({self.source!r}, {self.keys!r})"


_CALL = re.compile(r"\b(ratio|abs|min|max)\s*\(")


def _excel_functions(text: str) -> str:
    """Python spelling to Excel spelling: ``ratio(a, b)`` -> ``IF((b)=0,0,(a)/(b))``, ``==`` -> ``=``,
    ``and``/``or``/``not`` are not needed in formulas (only conditions use them)."""
    out, i = [], 0
    while i < len(text):
        match = _CALL.search(text, i)
        if not match:
            out.append(text[i:])
            break
        out.append(text[i:match.start()])
        args, end = _call_arguments(text, match.end())
        args = [_excel_functions(a) for a in args]
        name = match.group(1)
        if name == "ratio":
            out.append(f"IF(({args[1]})=0,0,({args[0]})/({args[1]}))")
        else:
            out.append(f"{name.upper()}({','.join(args)})")
        i = end
    return "".join(out).replace("==", "=").replace("!=", "<>")


def _call_arguments(text: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of a call whose '(' ends just before ``start``, and the index after ')'."""
    depth, args, current = 0, [], []
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                args.append("".join(current).strip())
                return args, i + 1
            depth -= 1
        elif ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    raise ValueError("unbalanced parentheses")
