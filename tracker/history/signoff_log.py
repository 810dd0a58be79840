"""Reading reviews and approvals from git: the commits with trailers, as plain evidence.

``tracker review`` and ``tracker approve`` record sign-offs as commits with
``Reviewed-by: NAME`` / ``Approved-by: NAME (ROLE)`` and ``Tracker-Plan: PATH`` trailers
(:mod:`tracker.history.signoff` writes them); people may write such commits by hand. This
module reports what git says of each commit that could concern the plan: trailers, author,
the files it changed, its signature as the repository's own allowed-signers file judges it
and as this machine's git judges it, and which version of plan.yaml an approval saw. It
decides nothing: which sign-off counts is judged by :mod:`tracker.signoffs`, in ``assess``.

Reading runs on every ``tracker render``, which must start like a small script: a few plain
``git`` processes (``rev-parse``, one ``log``, one ``cat-file --batch``, and signature checks
only for the commits found), no GitPython.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import replace
from pathlib import Path

from tracker.evidence.bundle import Signature, SignOffCommit, SignOffEvidence
from tracker.history.gitcli import GitError, _git, _git_bytes, prefetch

REVIEWED_BY = "Reviewed-by"
APPROVED_BY = "Approved-by"
PLAN_TRAILER = "Tracker-Plan"
#: Where the repository lists the SSH keys it trusts, as committed in HEAD (``ssh-keygen``'s
#: allowed-signers format): first beside plan.yaml, then at the top of the repository.
SIGNERS_FILES = ("allowed_signers", ".github/allowed_signers")

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_FIELD = "\x1f"
_COMMIT_MARK = "\x1e"
#: What the history pass asks of every commit whose message names a reviewer or approver.
#: No signature fields (``%G?`` runs gpg on each commit): asked later of the few that count.
_FORMAT = _FIELD.join(["%H", "%aI", "%an", "%ae", "%B"])
_SIGNATURE_FORMAT = _FIELD.join(["%H", "%G?", "%GS"])


def prefetch_signoffs(plan_path: Path, since: dt.date | None = None) -> None:
    """Start the git commands every :func:`read_signoffs` runs first (gitcli.prefetch)."""
    for args in _first_commands(since):
        prefetch(Path(plan_path).absolute().parent, *args)


def _first_commands(since: dt.date | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Where the plan's folder is in the repository, and the commits that may sign off."""
    limit = [f"--since={since - dt.timedelta(days=1)}"] if since is not None else []
    return (("rev-parse", "--show-prefix", "HEAD"),
            ("log", "-z", "--reverse", f"--format={_FORMAT}", "-E", "-i",
             f"--grep=^({REVIEWED_BY}|{APPROVED_BY}):", *limit, "HEAD", "--"))


def read_signoffs(plan_path: Path, since: dt.date | None = None, *,
                  local_trust: bool = False) -> SignOffEvidence | None:
    """The commits in the history of HEAD that may sign off the plan, oldest first.

    None when the plan is not in a git work tree with a commit (or git is not installed);
    GitError when git fails on a repository. Read: commits whose ``Tracker-Plan`` trailer
    names this plan; approvals without that trailer (the judge lists them as claims);
    reviews without it only from commits that changed plan.yaml (elsewhere ``Reviewed-by``
    is a code review). ``since`` (the plan's ``created`` date) lets git stop walking a long
    history where no sign-off of this plan can be. ``local_trust``: also ask what this
    machine's git settings say of the signatures (runs gpg or ssh-keygen per signed commit;
    only the terminal shows it, so documents leave it out).
    """
    plan_path = Path(plan_path)
    folder = plan_path.absolute().parent
    where, candidates = _first_commands(since)
    try:  # the plan's folder in the repository, and whether there is a commit
        prefix = _git(folder, *where).split("\n", 1)[0]
    except GitError:
        return None  # not a repository, no commit yet, no such folder, or no git
    rel = (prefix + plan_path.name).replace(os.sep, "/")
    limit = [f"--since={since - dt.timedelta(days=1)}"] if since is not None else []
    raw = _git(folder, *candidates)
    found = [c for c in (_parse_record(r) for r in raw.split("\0") if r.strip())
             if c is not None and c.plan in (None, rel)]
    now = _read_bytes(plan_path)
    now_version = _fingerprint(now) if now is not None else None
    if not found:
        return SignOffEvidence(rel, (), now_version)
    if any(c.plan is None for c in found):
        touching = set(_git(folder, "log", "--format=%H", *limit, "HEAD", "--", rel).split())
        files = _changed_files(folder, [c.commit for c in found
                                        if c.plan is None and c.approvers])
    else:
        touching, files = set(), {}
    found = [_with_files(c, rel, touching, files) for c in found]
    found = [c for c in found if c.approvers or c.plan == rel or c.changes_plan]
    if not found:
        return SignOffEvidence(rel, (), now_version)
    signers = [prefix + SIGNERS_FILES[0], SIGNERS_FILES[1]]
    objects = _cat_files(folder, [c.commit for c in found]
                         + [f"{c.commit}:{rel}" for c in found if c.approvers]
                         + [f"HEAD:{name}" for name in signers])
    signers_file = next((name for name in signers if f"HEAD:{name}" in objects), None)
    local = _signatures(folder, [c.commit for c in found]) if local_trust else {}
    with_kind = [(c, _signed_with(objects.get(c.commit))) for c in found]
    ssh = [c.commit for c, kind in with_kind if kind == "SSH"]
    repo: dict[str, tuple[Signature, str]] = {}
    if ssh and signers_file is not None:
        repo = _repository_signatures(folder, ssh, objects[f"HEAD:{signers_file}"])
    commits = []
    for c, kind in with_kind:
        state, signer = repo.get(c.commit, (Signature.NONE, ""))
        local_state, local_signer = local.get(c.commit, (Signature.NONE, ""))
        version = None
        if c.approvers:
            version = _version(objects.get(f"{c.commit}:{rel}"), now, now_version)
        commits.append(SignOffCommit(
            commit=c.commit, date=c.date, author=c.author, email=c.email, plan=c.plan,
            reviewers=c.reviewers, approvers=c.approvers, note=c.note,
            changes_plan=c.changes_plan, only_plan=c.only_plan, signed_with=kind,
            signature=state if kind else Signature.NONE, signer=signer or None,
            local_signature=local_state if kind else Signature.NONE,
            local_signer=local_signer or None, plan_version=version))
    return SignOffEvidence(rel, tuple(commits), now_version, signers_file)


def _with_files(c: SignOffCommit, rel: str, touching: set[str],
                files: dict[str, list[str]]) -> SignOffCommit:
    changed = files.get(c.commit)
    if changed is not None:
        return replace(c, changes_plan=rel in changed, only_plan=changed == [rel])
    return replace(c, changes_plan=c.commit in touching)


def _changed_files(folder: Path, commits: list[str]) -> dict[str, list[str]]:
    """The files each commit changed (renames as a delete and an add; none for merges)."""
    out: dict[str, list[str]] = {}
    for start in range(0, len(commits), 500):
        raw = _git(folder, "log", "--no-walk=unsorted", "-z", "--no-renames", "--name-only",
                   f"--format={_COMMIT_MARK}%H", *commits[start:start + 500])
        current: list[str] | None = None
        for token in raw.split("\0"):
            token = token.lstrip("\n")
            if token.startswith(_COMMIT_MARK):
                current = out.setdefault(token[1:], [])
            elif token and current is not None:
                current.append(token)
    return out


def _signatures(folder: Path, commits: list[str], *config: str
                ) -> dict[str, tuple[Signature, str]]:
    """Signature state and signer of each commit, as git judges it with ``config``: asked
    only for the sign-offs found, since checking a signature runs gpg or ssh-keygen (a
    Gerrit-style history has a Reviewed-by trailer on every commit)."""
    out: dict[str, tuple[Signature, str]] = {}
    for start in range(0, len(commits), 500):
        raw = _git(folder, *config, "log", "--no-walk=unsorted", "-z",
                   f"--format={_SIGNATURE_FORMAT}", *commits[start:start + 500])
        for record in raw.split("\0"):
            parts = record.lstrip("\n").split(_FIELD, 2)
            if len(parts) == 3:
                try:
                    out[parts[0]] = (Signature(parts[1]), parts[2])
                except ValueError:
                    continue
    return out


def _repository_signatures(folder: Path, commits: list[str], signers: bytes
                           ) -> dict[str, tuple[Signature, str]]:
    """SSH signatures judged with the repository's committed allowed-signers file only.

    The file's content is taken from HEAD (not the work tree, which anyone can edit
    locally) and handed to git through a temporary file.
    """
    import tempfile  # only when SSH-signed sign-offs exist: render's start-up stays small

    with tempfile.TemporaryDirectory(prefix="tracker-signers-") as tmp:
        path = Path(tmp) / "allowed_signers"
        path.write_bytes(signers)
        return _signatures(folder, commits, "-c", f"gpg.ssh.allowedSignersFile={path}")


def _parse_record(record: str) -> SignOffCommit | None:
    parts = record.lstrip("\n").split(_FIELD, 4)
    if len(parts) != 5:
        return None
    commit, when, author, email, message = parts
    try:
        date = dt.datetime.fromisoformat(when).date()
    except ValueError:
        return None
    trailers, note = split_trailers(message)
    plan = next((v for k, v in reversed(trailers) if k == PLAN_TRAILER.lower()), None)
    reviewers = tuple(_person(v) for k, v in trailers if k == REVIEWED_BY.lower() and v)
    approvers = tuple(p for k, v in trailers if k == APPROVED_BY.lower()
                      if (p := parse_approval(v)) is not None)
    if not reviewers and not approvers:
        return None
    return SignOffCommit(commit=commit, date=date, author=author, email=email, plan=plan,
                         reviewers=reviewers, approvers=approvers, note=note)


def split_trailers(message: str) -> tuple[list[tuple[str, str]], str | None]:
    """A commit message's trailers (keys lower-cased) and its body between subject and them.

    Trailers are the ``Key: value`` lines of the last paragraph, as ``git interpret-trailers``
    reads them (indented lines continue the previous value).
    """
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", message.strip())
                  if p.strip()]
    trailers: list[tuple[str, str]] = []
    if len(paragraphs) > 1:
        lines = paragraphs[-1].splitlines()
        parsed: list[list[str]] = []
        for line in lines:
            match = _TRAILER.match(line)
            if match:
                parsed.append([match.group(1).lower(), match.group(2).strip()])
            elif parsed and line[:1] in (" ", "\t"):
                parsed[-1][1] += " " + line.strip()
            else:
                parsed = []
                break
        if parsed:
            trailers = [(k, v) for k, v in parsed]
            paragraphs = paragraphs[:-1]
    body = "\n\n".join(paragraphs[1:]).strip()
    return trailers, body or None


def parse_approval(value: str) -> tuple[str, str] | None:
    """``NAME (ROLE)`` → (NAME, ROLE); the role is the last balanced parenthesised group.

    NAME is kept as written, ``<email>`` included: the judge compares it with the plan.
    """
    value = value.strip()
    if not value.endswith(")"):
        return None
    depth = 0
    for at in range(len(value) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(value[at], 0)
        if depth == 0:
            name, role = value[:at].strip(), value[at + 1:-1].strip()
            return (name, role) if _person(name) and role else None
    return None


def _person(value: str) -> str:
    """``Ana Lima <ana@example.com>`` → ``Ana Lima``."""
    return re.sub(r"\s*<[^<>]*>\s*$", "", value).strip()


def _signed_with(raw: bytes | None) -> str | None:
    """How a raw commit object is signed, from its ``gpgsig`` header."""
    if raw is None:
        return None
    header = raw.split(b"\n\n", 1)[0]
    match = re.search(rb"^gpgsig(?:-sha256)? -----BEGIN ([A-Z ]+)-----", header, re.MULTILINE)
    if match is None:
        return None
    kind = match.group(1)
    if kind.startswith(b"SSH"):
        return "SSH"
    if kind.startswith(b"PGP"):
        return "GPG"
    return "X.509" if kind.startswith(b"SIGNED") else "signed"


def _fingerprint(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def _version(approved: bytes | None, now: bytes | None, now_version: str | None) -> str | None:
    """The fingerprint of an approved plan.yaml: the current one's when the two are the same
    apart from ``review.next`` (which ``tracker review`` changes), its own otherwise."""
    if approved is None:
        return None
    if now is not None and _same_plan(approved, now):
        return now_version
    return _fingerprint(approved)


def _same_plan(approved: bytes, now: bytes) -> bool:
    if approved == now:
        return True
    try:
        old, new = (b.decode("utf-8").replace("\r\n", "\n") for b in (approved, now))
    except UnicodeDecodeError:
        return False
    return old == new or _without_review_next(old) == _without_review_next(new)


def _without_review_next(text: str) -> str:
    from tracker.plan.edit import EditError, review_next_span  # YAML only when they differ

    try:
        span = review_next_span(text)
    except EditError:
        return text
    return text if span is None else text[:span[0]] + text[span[1]:]


def _read_bytes(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def _cat_files(folder: Path, names: list[str]) -> dict[str, bytes]:
    """Contents of commits and files by name (``SHA`` or ``SHA:path``), in one
    ``git cat-file``; missing names and folders are left out."""
    if not names:
        return {}
    names = list(dict.fromkeys(names))
    raw = _git_bytes(folder, "cat-file", "--batch",
                     stdin=("\n".join(names) + "\n").encode("utf-8", "surrogateescape"))
    out: dict[str, bytes] = {}
    at = 0
    for name in names:
        end = raw.index(b"\n", at)
        header = raw[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<name> missing"
            continue
        size = int(header[2])
        if header[1] in (b"blob", b"commit"):
            out[name] = raw[at:at + size]
        at += size + 1
    return out
