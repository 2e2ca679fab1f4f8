"""A Word document (.docx, via ``python-docx``): title, the facts, then one paragraph a segment."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt, RGBColor

from .lines import ExportOptions, Line, clock

MUTED = RGBColor(0x5F, 0x67, 0x75)


def to_docx(*, title: str, facts: list[tuple[str, str]], lines: list[Line], options: ExportOptions) -> bytes:
    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    if facts:
        summary = document.add_paragraph()
        for number, (label, value) in enumerate(facts):
            run = summary.add_run(f"{label}: {value}" + ("   " if number + 1 < len(facts) else ""))
            run.font.size = Pt(9)
            run.font.color.rgb = MUTED
    previous_speaker = None
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        paragraph = document.add_paragraph()
        if options.timestamps and line.start is not None:
            stamp = paragraph.add_run(f"{clock(line.start)}  ")
            stamp.font.color.rgb = MUTED
            stamp.font.size = Pt(9)
        if options.speakers and line.speaker and line.speaker != previous_speaker:
            paragraph.add_run(f"{line.speaker}: ").bold = True
        previous_speaker = line.speaker
        paragraph.add_run(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
