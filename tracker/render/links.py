"""Links in the document: only to the web, to mail, or to files of the repository.

plan.yaml is written by anyone with commit access, and the document is read in browsers
(GitHub, GitLab, an HTML export). A ``related`` URL such as ``javascript:alert(1)`` or
``data:text/html,...`` would be a link that runs code when clicked, so only ``http``,
``https`` and ``mailto`` URLs become links; anything else is shown as plain text. A path
becomes a relative link, never one a browser could read as a scheme (``javascript:x`` as a
file name is written ``./javascript:x``).
"""

from __future__ import annotations

import re

from tracker.plan.model import Related
from tracker.text import clean, md_code, md_inline

#: Schemes a link may use; every other scheme is shown as text.
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
#: What browsers drop from a URL before reading its scheme (so "java\tscript:" is javascript:)
_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f]")


def related_line(related: Related) -> str:
    """One list entry of "Related documents"."""
    title = _bracketed(md_inline(related.title))
    if related.url is not None:
        target = safe_url(related.url)
        if target is None:
            shown = f"{title} ({md_code(related.url)})" if related.title != related.url \
                else md_code(related.url)
            return f"- {shown} (not linked: only http, https and mailto links are)"
        return f"- [{title}]({target})"
    if related.path:
        return f"- [{title}]({_path_target(related.path)})"
    return f"- {title}"


def safe_url(url: str) -> str | None:
    """``url`` ready for a Markdown link when its scheme is safe; None otherwise."""
    match = _SCHEME.match(_IGNORED.sub("", url))
    if match is None:
        return _escape(url.strip())  # relative: no scheme to fear
    if match.group(1).lower() not in SAFE_SCHEMES:
        return None
    return _escape(url.strip())


def _path_target(path: str) -> str:
    target = _escape(path.strip())
    if _SCHEME.match(_IGNORED.sub("", target)):
        target = "./" + target  # a file name with a colon must not read as a scheme
    return target


def _escape(target: str) -> str:
    """A link destination that stays one: no spaces, control characters, angle brackets or
    closing parentheses that would end it early."""
    out = _IGNORED.sub(lambda m: "%20" if m.group() == " " else "", clean(target))
    for char, code in ((")", "%29"), ("<", "%3C"), (">", "%3E")):
        out = out.replace(char, code)
    return out


def _bracketed(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")
