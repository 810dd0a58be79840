"""Words and small pictures several formats share, so that they say things the same way."""

from __future__ import annotations

import json
from typing import Any

from tracker.evidence.bundle import Signature
from tracker.signoffs import JudgedApproval
from tracker.text import json_safe

BAR_WIDTH = 10

_WORDS = {
    Signature.UNTRUSTED: "key not listed",
    Signature.BAD: "BAD signature",
    Signature.EXPIRED: "signature expired",
    Signature.EXPIRED_KEY: "signed by an expired key",
    Signature.REVOKED_KEY: "signed by a revoked key",
    Signature.UNCHECKABLE: "cannot be checked",
    Signature.NONE: "not checked",
}


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """A text bar such as ``██████░░░░ 60%``."""
    ratio = done / total if total else 0.0
    filled = round(ratio * width)
    return f"{'█' * filled}{'░' * (width - filled)} {round(ratio * 100)}%"


def days(n: int) -> str:
    """``1 day``, ``3 days``."""
    return "1 day" if n == 1 else f"{n} days"


def signature_words(j: JudgedApproval, signers_file: str | None) -> str:
    """What the document says of an approval's signature: the repository's verdict only.

    "unsigned", "SSH-signed, verified (bo@example.com)", "SSH-signed, not verified: key not
    listed in .github/allowed_signers", "GPG-signed, not verified: ...".
    """
    if j.signed_with is None:
        return "unsigned"
    kind = f"{j.signed_with}-signed"
    if j.verified:
        return f"{kind}, verified ({j.signer})"
    if j.signed_with != "SSH":
        return (f"{kind}, not verified: the repository vouches only for SSH keys in its "
                "allowed-signers file")
    if signers_file is None:
        return "SSH-signed, not verified: the repository lists no trusted keys"
    if j.signature is Signature.GOOD:
        return f"SSH-signed, not verified: the key is {j.signer}'s, not {j.name}'s"
    if j.signature is Signature.UNTRUSTED:
        return f"SSH-signed, not verified: key not listed in {signers_file}"
    return f"SSH-signed, not verified: {_WORDS[j.signature]}"


def terminal_safe_json(data: Any) -> str:
    """``data`` as indented JSON whose every string keeps its exact value but cannot move or
    style a terminal: what :func:`tracker.text.clean` would remove (DEL, the C1 controls such
    as the 8-bit CSI, bidirectional overrides) is written as a ``\\uXXXX`` escape, which
    json.dumps leaves raw. Scripts read the same data; a terminal shows escapes as text."""
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
