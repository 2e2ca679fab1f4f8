"""Plain text: one paragraph per segment, with time and speaker when asked for."""

from __future__ import annotations

from .lines import ExportOptions, Line, clock


def to_text(*, title: str, lines: list[Line], options: ExportOptions) -> str:
    paragraphs = []
    previous_speaker = None
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        prefix = []
        if options.timestamps and line.start is not None:
            prefix.append(f"[{clock(line.start)}]")
        if options.speakers and line.speaker and line.speaker != previous_speaker:
            prefix.append(f"{line.speaker}:")
        previous_speaker = line.speaker
        paragraphs.append(" ".join([*prefix, text]))
    return f"{title}\n\n" + "\n\n".join(paragraphs) + "\n"
