"""Checking untrusted media by its bytes: does it hold an audio stream we can decode?

PyAV (FFmpeg's libraries, shipped in the wheel) reads only the container headers here, so a
multi-gigabyte file is probed in milliseconds and never loaded into memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import BinaryIO

import av

log = logging.getLogger(__name__)

UNREADABLE_MESSAGE = (
    "This file has no audio stream we can read. "
    "Upload an audio or video file (mp3, m4a, wav, flac, ogg, opus, webm, mp4…)."
)

# Containers FFmpeg detects from their first bytes; text, images and archives are refused before
# PyAV is asked, because some of its demuxers (e.g. raw formats) accept nearly anything.
_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (0, b"RIFF"),  # wav (RIFF....WAVE), avi
    (0, b"fLaC"),
    (0, b"OggS"),  # ogg, opus
    (0, b"ID3"),  # mp3 with tags
    (4, b"ftyp"),  # mp4, m4a, mov, 3gp
    (0, b"\x1a\x45\xdf\xa3"),  # matroska, webm
    (0, b"#!AMR"),
    (0, b"\x30\x26\xb2\x75"),  # asf / wma
    (0, b"FORM"),  # aiff
    (0, b"caff"),
    (0, b".snd"),
    (0, b"MAC "),  # monkey's audio
    (0, b"wvpk"),
)


class UnreadableAudio(ValueError):
    def __init__(self, message: str = UNREADABLE_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AudioInfo:
    container: str
    codec: str
    duration: float | None
    channels: int
    sample_rate: int


def _looks_like_media(head: bytes) -> bool:
    if any(head[offset : offset + len(magic)] == magic for offset, magic in _SIGNATURES):
        return True
    # MPEG audio (mp3 without ID3) and ADTS AAC start with an 11/12-bit frame sync.
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0


def probe_audio(source: str | BinaryIO) -> AudioInfo:
    """Return what the audio is, or raise ``UnreadableAudio`` with a message for the user."""
    if isinstance(source, str):
        with open(source, "rb") as handle:
            head = handle.read(64)
    else:
        position = source.tell()
        head = source.read(64)
        source.seek(position)
    if not _looks_like_media(head):
        raise UnreadableAudio()
    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            streams = [stream for stream in container.streams if stream.type == "audio"]
            if not streams:
                raise UnreadableAudio()
            stream = streams[0]
            duration = None
            if container.duration:
                duration = container.duration / 1_000_000
            elif stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            # Decoding one frame proves the codec is real, not just a plausible header.
            for _frame in container.decode(stream):
                break
            else:
                raise UnreadableAudio()
            return AudioInfo(
                container=container.format.name,
                codec=stream.codec_context.name,
                duration=duration,
                channels=stream.codec_context.channels or 1,
                sample_rate=stream.codec_context.sample_rate or 0,
            )
    except UnreadableAudio:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        log.info("unreadable audio: %s", exc)
        raise UnreadableAudio() from exc
    finally:
        if not isinstance(source, str):
            source.seek(0)
