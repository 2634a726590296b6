"""One versioned codec for reports and consolidations: plain JSON, typed values tagged.

Used by the results cache (one report document per row) and by the consolidated
workbook's data part (one consolidation document), so that what ``consolidate``
made is what ``read_consolidated`` returns, field for field. No classes are
pickled: a document is JSON anyone can read, and a damaged or foreign one is a
``CodecError``, never code run.

Every document has ``"format": FORMAT`` at its top; another number is refused
(``CodecError``). Values JSON has no type for are objects with one ``$`` key:

    {"$datetime": "2020-06-18T09:00:00+07:00"}   {"$date": "2020-06-20"}
    {"$time": "08:30:00"}                          {"$timedelta": [days, seconds, microseconds]}
    {"$error": "#DIV/0!"}  (a spreadsheet error)   {"$float": "nan" | "inf" | "-inf"}
    {"$tuple": [...]}                              {"$dict": [[key, value], ...]} (keys not plain text)
    {"$phrase": "code", "params": {...}}           {"$texts": ["vi", "en"]}
    {"$listing": [...], "prefix": "  - "}          (prefix only when not the default)

Anything else is a JSON string, number, true/false, null, array (a list) or
object (a dict whose keys are text not starting with ``$``). An exception (why a
reader failed, quoted in a message) is kept as its text; any other type is refused
when written (``CodecError``). A field of a report, finding, input or unit status
that holds its default (None, "", empty) is left out; absent means that default.
The README ("Data format: reports and consolidations as JSON") lists the fields.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, time, timedelta
from sys import intern

from .messages import CchcError, Listing, Phrase, Texts
from .model import Consolidation, FileReport, Finding, InputFile, UnitStatus
from .text import has_surrogates
from .values import CellError

FORMAT = 1
CONSOLIDATION_KIND = "consolidation"
_DEFAULT_PREFIX = Listing.__dataclass_fields__["prefix"].default


class CodecError(ValueError):
    """A document this version does not read: another format, or not one of ours, or damaged."""


# --------------------------------------------------------------------------- values

_PLAIN = frozenset((str, int, bool, type(None)))          # JSON as they are
_DECODED_PLAIN = frozenset((str, int, float, bool, type(None)))  # what json.loads gives besides list/dict
_TEXT = frozenset((str,))


def encode_value(value: object) -> object:
    """``value`` as JSON data: typed values tagged (see the module docstring)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    encode = _ENCODERS.get(kind)
    if encode is not None:
        return encode(value)
    # Subclasses of plain types (a numpy float, an IntEnum, a pandas Timestamp): their base's form.
    for base in (float, int, str, datetime, date, time, timedelta, list, tuple, dict):
        if isinstance(value, base):
            return _ENCODERS[base](value) if base not in (int, str) else base(value)
    if isinstance(value, BaseException):  # why a reader failed: only its text is ever shown
        return str(value)
    raise CodecError(f"a value of type {kind.__name__} has no JSON form")


def _float(value: float) -> object:
    value = float(value)
    return value if math.isfinite(value) else {"$float": repr(value)}


def _dict(mapping: dict) -> dict:
    for key in mapping:
        if type(key) is not str or key[:1] == "$":
            return {"$dict": [[encode_value(k), encode_value(v)] for k, v in mapping.items()]}
    return fields_to_json(mapping)


def _listing(listing: Listing) -> dict:
    encoded: dict = {"$listing": [encode_value(item) for item in listing.items]}
    if listing.prefix != _DEFAULT_PREFIX:
        encoded["prefix"] = listing.prefix
    return encoded


_ENCODERS = {
    float: _float,
    CellError: lambda v: {"$error": str(v)},
    datetime: lambda v: {"$datetime": v.isoformat()},
    date: lambda v: {"$date": v.isoformat()},
    time: lambda v: {"$time": v.isoformat()},
    timedelta: lambda v: {"$timedelta": [v.days, v.seconds, v.microseconds]},
    list: lambda v: [encode_value(item) for item in v],
    tuple: lambda v: {"$tuple": [encode_value(item) for item in v]},
    dict: _dict,
    Phrase: lambda v: {"$phrase": v.code, "params": fields_to_json(v.params)},
    Texts: lambda v: {"$texts": [v.vi, v.en]},
    Listing: _listing,
}


def fields_to_json(mapping: dict) -> dict:
    """A dict keyed by text (a report's values, a message's fields) with its values encoded.

    The keys stay as they are (the reader knows this is a dict, never a tag).
    """
    if not _TEXT.issuperset(map(type, mapping)):
        raise CodecError("a mapping of fields has keys that are not text")
    kinds = set(map(type, mapping.values()))
    if _PLAIN.issuperset(kinds):
        return dict(mapping)
    if _PLAIN_AND_FLOAT.issuperset(kinds) and _all_finite(mapping.values()):
        return dict(mapping)  # a finite float is JSON as it is (``_float`` gives the same float back)
    return {key: value if type(value) in _PLAIN else encode_value(value) for key, value in mapping.items()}


_PLAIN_AND_FLOAT = _PLAIN | {float}


def _all_finite(values) -> bool:
    """Whether every float among ``values`` is finite: their sum is (a sum that overflows only
    sends finite floats down the slower path, which encodes them the same)."""
    return math.isfinite(sum([value for value in values if type(value) is float]))


def decode_value(data: object) -> object:
    """``encode_value`` undone."""
    kind = type(data)
    if kind is list:
        return [decode_value(item) for item in data]
    if kind is not dict:
        return data
    for key in data:
        if key[:1] == "$":
            decode = _DECODERS.get(key)
            if decode is None:
                raise CodecError(f"unknown tag {key}")
            return decode(data[key], data)
    return fields_from_json(data)


def fields_from_json(data: object) -> dict:
    """``fields_to_json`` undone: the same keys (shared with other documents'), the values decoded."""
    if type(data) is not dict:
        raise CodecError("a mapping of fields is not an object")
    if _DECODED_PLAIN.issuperset(map(type, data.values())):
        return dict(zip(map(intern, data), data.values()))
    return {intern(key): decode_value(value) for key, value in data.items()}


def _decode_float(text, _) -> float:
    if text not in ("nan", "inf", "-inf"):
        raise CodecError(f"not a float: {text!r}")
    return float(text)


def _decode_dict(pairs, _) -> dict:
    return {decode_value(k): decode_value(v) for k, v in pairs}


def _decode_timedelta(parts, _) -> timedelta:
    days, seconds, microseconds = parts
    return timedelta(days=days, seconds=seconds, microseconds=microseconds)


def _text(value: object) -> str:
    if type(value) is not str:
        raise CodecError(f"not text: {value!r}")
    return value


_DECODERS = {
    "$float": _decode_float,
    "$error": lambda text, _: CellError(_text(text)),
    "$datetime": lambda text, _: datetime.fromisoformat(_text(text)),
    "$date": lambda text, _: date.fromisoformat(_text(text)),
    "$time": lambda text, _: time.fromisoformat(_text(text)),
    "$timedelta": _decode_timedelta,
    "$tuple": lambda items, _: tuple(decode_value(item) for item in items),
    "$dict": _decode_dict,
    "$phrase": lambda code, data: Phrase(intern(_text(code)), fields_from_json(data.get("params") or {})),
    "$texts": lambda texts, _: Texts(_text(texts[0]), _text(texts[1])),
    "$listing": lambda items, data: Listing(tuple(decode_value(item) for item in items),
                                            _text(data.get("prefix", _DEFAULT_PREFIX))),
}


def _shared(text: object) -> object:
    """The one interned copy of a text that repeats from report to report (None passes through)."""
    return intern(text) if type(text) is str else text


# --------------------------------------------------------------------------- reports

_REPORT_TEXTS = ("sha256", "form", "form_version", "unit_code", "unit_name", "period", "file_format", "sender")
_REPORT_TIMES = ("modified", "generated_at", "received")
_REPORT_MAPPINGS = ("values", "notes", "answers", "reporter", "texts", "lower")
_REPORT_DEFAULTS = {f.name: f.default for f in dataclass_fields(FileReport)}  # left out when a field has it
_FINDING_PLACES = ("sheet", "cell", "indicator")


def report_to_json(report: FileReport) -> dict:
    """A report document: ``{"format": 1, "path": ..., ...}``."""
    return {"format": FORMAT, **_report_fields(report)}


def report_from_json(data: object) -> FileReport:
    """``report_to_json`` undone; ``CodecError`` for another format or a damaged document."""
    _check_format(data)
    return _decoded(_report_of, data)


def report_to_bytes(report: FileReport) -> bytes:
    """A report document as compact JSON in UTF-8 (a results cache row)."""
    return to_bytes(dumps(report_to_json(report)))


def report_from_bytes(row: bytes) -> FileReport:
    """``report_to_bytes`` undone; ``CodecError`` for anything else."""
    return report_from_json(loads(row))


def _report_fields(r: FileReport) -> dict:
    fields: dict = {"path": r.path}
    for name in _REPORT_TEXTS:
        value = getattr(r, name)
        if value != _REPORT_DEFAULTS[name]:
            fields[name] = encode_value(value)
    for name in _REPORT_MAPPINGS:
        mapping = getattr(r, name)
        if mapping:
            fields[name] = fields_to_json(mapping)
    if r.findings:
        fields["findings"] = [_finding_fields(f) for f in r.findings]
    for name in _REPORT_TIMES:
        value = getattr(r, name)
        if value is not None:
            fields[name] = encode_value(value)
    return fields


def _finding_fields(f: Finding) -> dict:
    fields: dict = {"code": f.code, "severity": f.severity}
    for name in _FINDING_PLACES:
        value = getattr(f, name)
        if value is not None:
            fields[name] = encode_value(value)
    if f.value is not None:
        fields["value"] = encode_value(f.value)
    if f.params:
        fields["params"] = fields_to_json(f.params)
    return fields


def _report_of(data: dict) -> FileReport:
    # Straight-line (not a loop over field names): this runs for every report reaching the
    # parent process, 10,000 of them in a national merge.
    get = data.get
    findings = get("findings")
    return FileReport(
        path=_text(data["path"]), sha256=decode_value(get("sha256", "")), form=_shared(decode_value(get("form"))),
        form_version=decode_value(get("form_version")), unit_code=decode_value(get("unit_code")),
        unit_name=decode_value(get("unit_name")), period=_shared(decode_value(get("period"))),
        values=_mapping(get("values")), notes=_mapping(get("notes")), answers=_mapping(get("answers")),
        reporter=_mapping(get("reporter")), findings=[] if findings is None else list(map(_finding_of, findings)),
        texts=_mapping(get("texts")),
        file_format=_shared(decode_value(get("file_format"))), modified=decode_value(get("modified")),
        generated_at=decode_value(get("generated_at")), received=decode_value(get("received")),
        sender=decode_value(get("sender")), lower=_mapping(get("lower")))


def _mapping(data: object) -> dict:
    return {} if data is None else fields_from_json(data)


def _finding_of(data: dict) -> Finding:
    get = data.get
    params = get("params")
    return Finding(intern(data["code"]), intern(data["severity"]), _shared(decode_value(get("sheet"))),
                   _shared(decode_value(get("cell"))), _shared(decode_value(get("indicator"))),
                   decode_value(get("value")), {} if params is None else _shared_params(fields_from_json(params)))


def _shared_params(params: dict) -> dict:
    """Params' texts shared too: an indicator's label repeats in every finding about it."""
    for key, value in params.items():
        if type(value) is str:
            params[key] = intern(value)
    return params


# --------------------------------------------------------------------------- consolidations


def consolidation_to_json(c: Consolidation) -> dict:
    """A consolidation document (the whole of it; ``consolidation_json_pieces`` writes the same text)."""
    index = _report_index(c)
    return {**_consolidation_head(c), "inputs": [_input_fields(item) for item in c.inputs],
            "unit_statuses": [_status_fields(s, index) for s in c.unit_statuses]}


def consolidation_json_pieces(c: Consolidation, items_per_piece: int = 100) -> Iterator[str]:
    """``dumps(consolidation_to_json(c))`` in pieces of a few hundred inputs or units (memory stays flat)."""
    index = _report_index(c)
    yield dumps_for_xml(_consolidation_head(c))[:-1] + ',"inputs":['
    yield from _array_pieces(c.inputs, _input_fields, items_per_piece)
    yield '],"unit_statuses":['
    yield from _array_pieces(c.unit_statuses, lambda s: _status_fields(s, index), items_per_piece)
    yield "]}"


def _array_pieces(items: list, encode, size: int) -> Iterator[str]:
    for start in range(0, len(items), size):
        text = dumps_for_xml([encode(item) for item in items[start:start + size]])[1:-1]
        yield text if start == 0 else "," + text


def consolidation_from_json(data: object, form) -> Consolidation:
    """``consolidation_to_json`` undone, for ``form`` (the Form the document names; checked)."""
    _check_format(data)
    if data.get("kind") != CONSOLIDATION_KIND:
        raise CodecError(f"not a consolidation: {data.get('kind')!r}")
    found = consolidation_form_id(data)
    if found != form.id:
        raise CodecError(f"a consolidation of form {found!r}, not {form.id!r}")
    return _decoded(_consolidation_of, data, form)


def consolidation_form_id(data: dict) -> object:
    """The id of the form a consolidation document is for (None when it names none)."""
    form = data.get("form")
    return form.get("id") if type(form) is dict else None


def _consolidation_head(c: Consolidation) -> dict:
    return {"format": FORMAT, "kind": CONSOLIDATION_KIND,
            "form": {"id": c.form.id, "version": c.form.version}, "period": c.period.code,
            "parent_name": c.parent_name, "deadline": encode_value(c.deadline),
            "generated_at": encode_value(c.generated_at), "units_source": c.units.source,
            "totals": fields_to_json(c.totals),
            "group_totals": {group: fields_to_json(totals) for group, totals in c.group_totals.items()},
            **({"detail": c.detail} if c.detail != "returns" else {})}


def _report_index(c: Consolidation) -> dict[int, int]:
    """Each input's report by identity -> the input's place: statuses refer to reports by it."""
    return {id(item.report): n for n, item in enumerate(c.inputs) if item.report is not None}


def _input_fields(item: InputFile) -> dict:
    fields: dict = {"path": item.path, "disposition": item.disposition}
    if item.reason is not None:
        fields["reason"] = encode_value(item.reason)
    if item.report is not None:
        fields["report"] = _report_fields(item.report)
    return fields


def _status_fields(status: UnitStatus, index: dict[int, int]) -> dict:
    u = status.unit
    unit = {"code": u.code, "name": u.name}
    for name in ("parent", "email", "group"):
        if getattr(u, name):
            unit[name] = getattr(u, name)
    if u.predecessors:
        unit["predecessors"] = list(u.predecessors)
    if u.merged_on is not None:
        unit["merged_on"] = encode_value(u.merged_on)
    fields: dict = {"unit": unit}
    if status.report is not None:
        fields["report"] = _report_reference(status.report, index)
    if status.superseded:
        fields["superseded"] = [_report_reference(r, index) for r in status.superseded]
    if status.received is not None:
        fields["received"] = encode_value(status.received)
    if status.received_source:
        fields["received_source"] = status.received_source
    if status.on_time is not None:
        fields["on_time"] = status.on_time
    return fields


def _report_reference(report: FileReport, index: dict[int, int]) -> int | dict:
    """The input the report came in (its place in ``inputs``), else the report itself."""
    place = index.get(id(report))
    return place if place is not None else _report_fields(report)


def _consolidation_of(data: dict, form) -> Consolidation:
    from .periods import parse_period
    from .units import UnitList

    inputs = [_input_of(item) for item in data["inputs"]]
    statuses = [_status_of(item, inputs) for item in data["unit_statuses"]]
    return Consolidation(
        form=form, period=parse_period(_text(data["period"])),
        units=UnitList(tuple(s.unit for s in statuses), _text(data.get("units_source", ""))),
        unit_statuses=statuses, inputs=inputs, totals=fields_from_json(data["totals"]),
        group_totals={_text(group): fields_from_json(totals) for group, totals in data["group_totals"].items()},
        deadline=decode_value(data.get("deadline")), parent_name=_text(data.get("parent_name", "")),
        generated_at=decode_value(data.get("generated_at")), detail=_text(data.get("detail", "returns")))


def _input_of(data: dict) -> InputFile:
    report = data.get("report")
    reason = decode_value(data.get("reason"))
    if reason is not None and type(reason) is not Phrase:
        raise CodecError("an input's reason is not a phrase")
    return InputFile(path=_text(data["path"]), disposition=_text(data["disposition"]), reason=reason,
                     report=None if report is None else _report_of(report))


def _status_of(data: dict, inputs: list[InputFile]) -> UnitStatus:
    from .units import Unit

    u = data["unit"]
    unit = Unit(code=_text(u["code"]), name=_text(u["name"]), parent=_text(u.get("parent", "")),
                email=_text(u.get("email", "")), group=_text(u.get("group", "")),
                predecessors=tuple(_text(c) for c in u.get("predecessors", ())),
                merged_on=decode_value(u.get("merged_on")))
    report = data.get("report")
    on_time = data.get("on_time")
    if on_time is not None and type(on_time) is not bool:
        raise CodecError("on_time is not true/false")
    return UnitStatus(unit=unit, report=None if report is None else _referred(report, inputs),
                      received=decode_value(data.get("received")), on_time=on_time,
                      superseded=[_referred(r, inputs) for r in data.get("superseded", ())],
                      received_source=_text(data.get("received_source", "")))


def _referred(reference: int | dict, inputs: list[InputFile]) -> FileReport:
    if type(reference) is int:
        if not 0 <= reference < len(inputs) or inputs[reference].report is None:
            raise CodecError(f"no report at input {reference}")
        return inputs[reference].report
    return _report_of(reference)


# --------------------------------------------------------------------------- JSON text
# Not escaped to ASCII: Vietnamese text parses twice as fast as \uXXXX escapes and takes
# half the room. JSON escapes control characters itself; what else XML or UTF-8 refuses
# (a lone surrogate, U+FFFE, U+FFFF) is looked for where the text goes into XML.

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False,  # our own trees: no cycles
                            separators=(",", ":"))
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, check_circular=False, separators=(",", ":"))


def dumps(data: object) -> str:
    """Compact JSON, no NaN (tagged instead)."""
    return _ENCODER.encode(data)


def dumps_for_xml(data: object) -> str:
    """``dumps``, with ``\\u`` escapes instead when the text holds characters XML may not carry."""
    text = _ENCODER.encode(data)
    return text if _xml_can_carry(text) else _ASCII_ENCODER.encode(data)


def _xml_can_carry(text: str) -> bool:
    """Whether ``text`` holds no lone surrogate and neither non-character U+FFFE/U+FFFF (what XML
    may not carry), without a pattern search over the whole data part."""
    return not has_surrogates(text) and "\ufffe" not in text and "\uffff" not in text


def loads(text: str | bytes) -> object:
    """JSON text or UTF-8 bytes (``to_bytes``) as data; ``CodecError`` when it is not JSON."""
    try:
        return json.loads(text.decode("utf-8", "surrogatepass") if type(text) is bytes else text)
    except (ValueError, TypeError, AttributeError) as exc:
        raise CodecError(f"not JSON: {exc}") from None


def to_bytes(text: str) -> bytes:
    """UTF-8, a lone surrogate kept (``loads`` takes it back): every string round-trips."""
    return text.encode("utf-8", "surrogatepass")


def _check_format(data: object) -> None:
    if type(data) is not dict:
        raise CodecError("not a JSON object")
    found = data.get("format")
    if found != FORMAT or type(found) is not int:
        raise CodecError(f"format {found!r}, this version reads format {FORMAT}")


def _decoded(decode, data: dict, *args):
    """``decode(data, *args)``, any damage to the document a ``CodecError``."""
    try:
        return decode(data, *args)
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, CchcError) as exc:
        raise CodecError(f"damaged document ({type(exc).__name__}: {exc})") from None
