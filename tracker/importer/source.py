"""Reading the document to import: bytes in, Markdown text out, or one clear refusal.

A plan document is a few dozen kilobytes of UTF-8. Anything else (a binary, another encoding,
an empty or enormous file) is refused here, before any parsing, with a line saying what the
file looks like and what to do, so ``tracker import`` answers quickly whatever it is given.
"""

from __future__ import annotations

import codecs
import stat
import sys
from pathlib import Path

#: Larger files are refused unread: a plan document is kilobytes, never megabytes.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
#: More phases, sections and items than this are not one plan (tracker's loader would refuse
#: the YAML long before its 500,000-value limit is near).
MAX_PARTS = 10_000

_BINARY_PROBE = 8192


class Refused(Exception):
    """Nothing useful can be imported; the message says why and what to do (exit 2)."""


def read_document(path: Path, name: str) -> str:
    """The text of the document at ``path`` (``-`` reads standard input)."""
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            if path.is_dir():
                raise Refused(f"{name}: is a directory: give the path of the Markdown plan")
            if not stat.S_ISREG(path.stat().st_mode):
                raise Refused(f"{name}: not a regular file: give the path of the Markdown plan")
            with path.open("rb") as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        raise Refused(f"{name}: no such file: check the path") from None
    except OSError as exc:
        raise Refused(f"{name}: cannot read it ({exc.strerror}): check its permissions") from None
    return decode_document(data, name)


def decode_document(data: bytes, name: str) -> str:
    """Decode UTF-8 (or BOM-marked UTF-16) Markdown; refuse binaries and huge files."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Refused(f"{name}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB, too "
                      "large for a plan document: check the path (a plan is a few kilobytes)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise Refused(f"{name}: starts like UTF-16 text but does not decode: save it as "
                          "UTF-8") from None
    else:
        if b"\x00" in data[:_BINARY_PROBE] or _looks_binary(data):
            raise Refused(f"{name}: a binary file, not Markdown text: give the path of the "
                          ".md plan")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise Refused(f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} cannot "
                          "be decoded): save the file as UTF-8 and import again") from None
    if not text.strip():
        raise Refused(f"{name}: the file is empty: nothing to import")
    return text


def _looks_binary(data: bytes) -> bool:
    """NUL bytes anywhere, or mostly control bytes at the start: not a text document."""
    if b"\x00" in data:
        return True
    head = data[:_BINARY_PROBE]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls * 10 > len(head)
