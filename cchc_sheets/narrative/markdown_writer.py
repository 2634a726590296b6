"""Write a Draft as Markdown: the same content as the Word file, for a quick look or a diff."""
from __future__ import annotations

from pathlib import Path

from ..fileio import write_text_atomic
from .render import HEADING_1, HEADING_2, Draft


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(columns, rows) -> list[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _heading_lines(draft: Draft) -> list[str]:
    issuer = " / ".join(draft.issuer_lines)
    return [
        *_table(("", ""), [(f"**{issuer}**", "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**"),
                           (draft.number, "**Độc lập - Tự do - Hạnh phúc**"),
                           ("", f"*{draft.place_date}*")]),
        "", f"## {draft.title}", "", f"**{draft.subject}**", "",
    ]


def _body_lines(draft: Draft) -> list[str]:
    lines = []
    for block in draft.blocks:
        if block.kind == HEADING_1:
            lines += [f"### {block.text}", ""]
        elif block.kind == HEADING_2:
            lines += [f"**{block.text}**", ""]
        else:
            # a leading "- " is the document's own dash, not a Markdown list
            lines += [block.text.replace("- ", "\\- ", 1) if block.text.startswith("- ") else block.text, ""]
    return lines


def _closing_lines(draft: Draft) -> list[str]:
    lines = ["***Nơi nhận:***", ""] + [f"{r}  " for r in draft.recipients] + [""]
    lines += [f"**{line}**  " for line in draft.signature] + ["", f"**{draft.signer}**", ""]
    return lines


def _appendix_lines(draft: Draft) -> list[str]:
    lines = ["---", "", f"### {draft.appendix_title}", "", f"**{draft.appendix_subtitle}**", "",
             f"*{draft.appendix_caption}*", ""]
    if not draft.tables:
        return lines + [*_table(draft.columns, draft.rows), ""]
    for table in draft.tables:   # the header levels flattened: 'Số hồ sơ nhận giải quyết / Tổng số'
        lines += ([f"**{table.title}**", ""] if table.title else []) + [*_table(table.columns, table.rows), ""]
    return lines


def markdown_text(draft: Draft) -> str:
    lines = _heading_lines(draft) + _body_lines(draft) + _closing_lines(draft) + _appendix_lines(draft)
    return "\n".join(lines)


def write_markdown(draft: Draft, path: str | Path) -> None:
    write_text_atomic(path, markdown_text(draft))
