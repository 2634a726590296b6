"""Form packs: ``xlsx_templates/<form-id>/form.yaml`` and the files beside it.

A pack is loaded once, checked completely (every problem reported with its
place, e.g. ``indicators[3].unit: thiếu đơn vị tính``), and returned as frozen
dataclasses that the rest of the toolkit shares.
"""
from __future__ import annotations

import ast
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import CodeType

import yaml

from .messages import CchcError, Listing, Phrase, Texts, phrase
from .text import nfc

KINDS = ("count", "number", "text")
AGGREGATES = ("sum", "none")
SEVERITIES = ("error", "warning")
CODE_PATTERN = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
RULE_REFERENCE = re.compile(r"\[([0-9A-Za-z.]+)\]")
DEFAULT_NOTE_MAX_LENGTH = 500
DEFAULT_ANSWER_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    kind: str = "count"
    required: bool = True
    min: float | None = 0
    max: float | None = None
    aggregate: str = "sum"
    parent: str | None = None
    help: str = ""

    @property
    def tt(self) -> str:
        """The TT column as printed: sub-rows (05.1) carry no number, as in the reference."""
        return "" if self.parent else self.code

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("count", "number")


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    section: str
    help: str = ""
    required: bool = False
    max_length: int = DEFAULT_ANSWER_MAX_LENGTH


@dataclass(frozen=True)
class Rule:
    code: str
    when: str
    severity: str
    cells: tuple[str, ...]
    message: str
    message_en: str

    def applies(self, values: dict[str, float | None]) -> bool:
        """True when the rule's condition holds; False when a referenced value is missing."""
        return self.condition.holds(values)

    @cached_property
    def condition(self) -> Condition:
        """``when`` checked and compiled, once per rule: every file of a batch evaluates it."""
        return Condition(self.when)

    def __getstate__(self) -> dict:
        """Pickled without the compiled condition (code objects do not pickle; a worker recompiles)."""
        return {name: value for name, value in self.__dict__.items() if name != "condition"}

    @property
    def words(self) -> Texts:
        """The author's message, Vietnamese and English, for the rule-failed finding."""
        return Texts(self.message, self.message_en)


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: str
    appendix_title: str
    subject: str
    columns: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    note_max_length: int
    directory: Path
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def indicator(self, code: str) -> Indicator:
        return self._by_code()[code]

    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def subject_for(self, period_label: str) -> str:
        return self.subject.format(period_label=period_label)

    def pack_file(self, name: str) -> Path:
        """A file shipped in the pack (narrative or email templates)."""
        return self.directory / name


# --------------------------------------------------------------------------- packs


def packs_root() -> Path:
    """Where bundled packs live: CCHC_FORMS_DIR, the source tree, or the installed share dir."""
    if os.environ.get("CCHC_FORMS_DIR"):
        return Path(os.environ["CCHC_FORMS_DIR"])
    source_tree = Path(__file__).resolve().parent.parent / "xlsx_templates"
    if source_tree.is_dir():
        return source_tree
    return Path(sys.prefix) / "share" / "cchc-sheets" / "xlsx_templates"


DEFAULT_FORM = "tuyen-truyen-cchc"


def available_forms() -> list[str]:
    root = packs_root()
    return sorted(p.parent.name for p in root.glob("*/form.yaml")) if root.is_dir() else []


def load_form(name_or_path: str | os.PathLike | None = None) -> Form:
    """Load a pack by id (bundled) or by path to its folder or form.yaml."""
    target = str(name_or_path or DEFAULT_FORM)
    path = Path(target)
    if path.is_file():
        return _load_pack_file(path)
    if (path / "form.yaml").is_file():
        return _load_pack_file(path / "form.yaml")
    bundled = packs_root() / target / "form.yaml"
    if bundled.is_file():
        return _load_pack_file(bundled)
    raise CchcError("form-not-found", form=target, available=", ".join(available_forms()) or "—")


def _load_pack_file(path: Path) -> Form:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CchcError("form-invalid", path=path, problems=Listing((str(exc),))) from exc
    return form_from_dict(data, path.parent, path)


def form_from_dict(data: object, directory: Path, source: object = "form.yaml") -> Form:
    """Check a parsed pack completely and build the Form, or raise listing every problem."""
    checker = _PackChecker()
    form = checker.build(data, directory)
    if checker.problems:
        raise CchcError("form-invalid", path=source, problems=Listing(tuple(checker.problems)))
    return form


class _PackChecker:
    """Collects every problem of a pack with its place instead of stopping at the first."""

    def __init__(self):
        self.problems: list[Phrase] = []

    def problem(self, place: str, message_code: str, /, **params: object) -> None:
        self.problems.append(phrase("pack-problem", place=place, problem=phrase(message_code, **params)))

    def text(self, data: dict, key: str, place: str, name_code: str, required=True) -> str:
        """The text at ``key``; ``name_code`` is the catalogue phrase naming the field in problems."""
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(f"{place}.{key}", "pack-missing", what=phrase(name_code))
            return ""
        if not isinstance(value, (str, int, float)):
            self.problem(f"{place}.{key}", "pack-not-text", what=phrase(name_code))
            return ""
        return nfc(str(value).strip())

    def build(self, data: object, directory: Path) -> Form | None:
        if not isinstance(data, dict):
            self.problem("form.yaml", "pack-not-mapping")
            return None
        form_id = self.text(data, "id", "form", "pack-field-form-id")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem("form.version", "pack-bad-version")
            version = 0
        indicators = self.indicators(data.get("indicators"))
        codes = {i.code for i in indicators}
        form = Form(
            id=form_id,
            version=version,
            title=self.text(data, "title", "form", "pack-field-title"),
            appendix_title=self.text(data, "appendix_title", "form", "pack-field-appendix-title", required=False),
            subject=self.text(data, "subject", "form", "pack-field-subject"),
            columns=self.columns(data.get("columns")),
            indicators=indicators,
            questions=self.questions(data.get("questions") or []),
            rules=self.rules(data.get("rules") or [], codes),
            note_max_length=int(data.get("note_max_length") or DEFAULT_NOTE_MAX_LENGTH),
            directory=directory,
            extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
        )
        if "{period_label}" not in form.subject and form.subject:
            self.problem("form.subject", "pack-subject-period")
        return form

    def columns(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or len(value) != 5:
            self.problem("form.columns", "pack-five-columns")
            return ("TT", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú")
        return tuple(nfc(str(c)) for c in value)

    def indicators(self, value: object) -> tuple[Indicator, ...]:
        if not isinstance(value, list) or not value:
            self.problem("form.indicators", "pack-no-indicators")
            return ()
        result: list[Indicator] = []
        seen: set[str] = set()
        for place, item in self.mappings(value, "indicators"):
            indicator = self.indicator(item, place, seen)
            if indicator:
                seen.add(indicator.code)
                result.append(indicator)
        return tuple(result)

    def indicator(self, item: dict, place: str, seen: set[str]) -> Indicator | None:
        code = self.text(item, "code", place, "pack-field-indicator-code")
        if code and not CODE_PATTERN.match(code):
            self.problem(f"{place}.code", "pack-bad-code", code=code)
        if code in seen:
            self.problem(f"{place}.code", "pack-code-repeats", code=code)
        kind = item.get("kind", "count")
        if kind not in KINDS:
            self.problem(f"{place}.kind", "pack-bad-kind", kind=kind, kinds=", ".join(KINDS))
        aggregate = item.get("aggregate", "sum" if kind in ("count", "number") else "none")
        if aggregate not in AGGREGATES or (aggregate == "sum" and kind == "text"):
            self.problem(f"{place}.aggregate", "pack-bad-aggregate", aggregate=aggregate)
        parent = item.get("parent")
        if parent is not None and str(parent) not in seen:
            self.problem(f"{place}.parent", "pack-parent-later", parent=parent)
        minimum, maximum = self.bound(item, "min", place, 0 if kind != "text" else None), self.bound(item, "max", place, None)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem(f"{place}.max", "pack-max-below-min")
        indicator = Indicator(
            code=code, label=self.text(item, "label", place, "pack-field-indicator-label"),
            unit=self.text(item, "unit", place, "pack-field-indicator-unit"), kind=kind,
            required=bool(item.get("required", True)), min=minimum, max=maximum,
            aggregate=aggregate, parent=str(parent) if parent is not None else None,
            help=self.text(item, "help", place, "pack-field-help", required=False),
        )
        return indicator if code else None

    def bound(self, item: dict, key: str, place: str, default: float | None) -> float | None:
        value = item.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"{place}.{key}", "pack-not-number", key=key)
            return default
        return value

    def mappings(self, value: object, section: str):
        """(place, item) for every mapping of a list section; what is not one is a problem."""
        if not isinstance(value, list):
            self.problem(f"form.{section}", "pack-not-list")
            return
        for n, item in enumerate(value):
            place = f"{section}[{n}]"
            if isinstance(item, dict):
                yield place, item
            else:
                self.problem(place, "pack-not-mapping")

    def questions(self, value: object) -> tuple[Question, ...]:
        return tuple(Question(
            code=self.text(item, "code", place, "pack-field-question-code"),
            label=self.text(item, "label", place, "pack-field-question-label"),
            section=self.text(item, "section", place, "pack-field-question-section"),
            help=self.text(item, "help", place, "pack-field-help", required=False),
            required=bool(item.get("required", False)),
            max_length=int(item.get("max_length", DEFAULT_ANSWER_MAX_LENGTH)),
        ) for place, item in self.mappings(value, "questions"))

    def rules(self, value: object, codes: set[str]) -> tuple[Rule, ...]:
        rules = (self.rule(item, place, codes) for place, item in self.mappings(value, "rules"))
        return tuple(rule for rule in rules if rule)

    def rule(self, item: dict, place: str, codes: set[str]) -> Rule | None:
        when = self.text(item, "when", place, "pack-field-rule-when")
        severity = item.get("severity", "warning")
        if severity not in SEVERITIES:
            self.problem(f"{place}.severity", "pack-bad-severity", severity=severity)
        unknown = sorted(set(RULE_REFERENCE.findall(when)) - codes)
        if unknown:
            self.problem(f"{place}.when", "pack-unknown-indicators", codes=", ".join(unknown))
        try:
            _parse_rule(when)
        except (SyntaxError, ValueError) as exc:
            self.problem(f"{place}.when", "pack-bad-condition", error=exc)
        cells = tuple(str(c) for c in item.get("cells") or RULE_REFERENCE.findall(when))
        bad_cells = sorted(set(cells) - codes)
        if bad_cells:
            self.problem(f"{place}.cells", "pack-unknown-indicators", codes=", ".join(bad_cells))
        message = self.text(item, "message", place, "pack-field-rule-message")
        return Rule(code=self.text(item, "code", place, "pack-field-rule-code"), when=when, severity=severity,
                    cells=cells, message=message, message_en=str(item.get("message_en") or message))


_KNOWN_KEYS = {"id", "version", "title", "appendix_title", "subject", "columns", "indicators",
               "questions", "rules", "note_max_length"}

# --------------------------------------------------------------------------- rule expressions
# A rule condition is a tiny, safe expression: ``[05.1] > 0 and [05] == 0``.
# Indicator references in brackets become names; only arithmetic, comparisons
# and boolean operators are allowed, so a pack can never run code.

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Name, ast.Load, ast.Constant,
)


def _reference_name(code: str) -> str:
    return "v_" + code.replace(".", "_")


def _parse_rule(when: str) -> ast.Expression:
    """The condition's syntax tree; ValueError or SyntaxError when it is not a safe expression."""
    source = RULE_REFERENCE.sub(lambda m: _reference_name(m.group(1)), when)
    tree = ast.parse(source, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(type(node).__name__)
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ValueError(repr(node.value))
    return tree


class Condition:
    """A rule condition compiled once; ``holds(values)`` evaluates it for one file's values."""

    __slots__ = ("references", "code", "names")

    def __init__(self, when: str):
        tree = _parse_rule(when)
        self.code: CodeType = compile(tree, "<rule>", "eval")
        self.references = tuple(RULE_REFERENCE.findall(when))
        used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names = tuple((code, _reference_name(code)) for code in dict.fromkeys(self.references))
        # Only the bracketed references are looked up; a name written out (``v_05``) needs them all.
        self.names = names if used <= {name for _, name in names} else None

    def holds(self, values: dict[str, float | None]) -> bool:
        """False when a referenced value is missing or the condition divides by zero."""
        if any(values.get(code) is None for code in self.references):
            return False
        if self.names is not None:
            names = {name: values[code] for code, name in self.names}
        else:
            names = {_reference_name(code): value for code, value in values.items()}
        try:
            return bool(eval(self.code, {"__builtins__": {}}, names))  # noqa: S307 - AST whitelisted
        except ZeroDivisionError:
            return False
