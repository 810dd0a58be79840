"""Reviews and approvals of the plan, recorded in git as commits with trailers.

A sign-off typed into plan.yaml would be as trustworthy as a hand-ticked checkbox. A commit is
better evidence: it has an author, a date, a place in history, and can be GPG- or SSH-signed
and verified by git. So ``tracker review`` and ``tracker approve`` make commits with
``Reviewed-by: NAME`` and ``Approved-by: NAME (ROLE)`` trailers (plus ``Tracker-Plan: PATH``,
naming the plan, so that several plans can share a repository and ordinary code-review
trailers are not mistaken for plan reviews), and the document, the TUI and ``status`` read
them back from history.

Reading runs on every ``tracker render``, which must start like a small script, so it uses a
few plain ``git`` processes (one ``log``, one ``cat-file --batch``) rather than importing
GitPython; writing (``record_review``, ``record_approval``) uses GitPython. Commits are built
from a temporary index holding HEAD's tree (plus plan.yaml for a review), so that whatever else
the user has staged is never swept into them, and they go through ``git commit`` itself, so the
user's hooks and ``commit.gpgSign`` apply.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.plan.model import Approval

REVIEWED_BY = "Reviewed-by"
APPROVED_BY = "Approved-by"
PLAN_TRAILER = "Tracker-Plan"

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_FIELD = "\x1f"
#: What the history pass asks of every commit whose message names a reviewer or approver.
#: No signature fields (``%G?`` runs gpg on each commit): "N" and "" stand in for them until
#: the few commits that count are checked by :func:`_signatures`.
_FORMAT = _FIELD.join(["%H", "%aI", "N", "", "%B"])
_SIGNATURE_FORMAT = _FIELD.join(["%H", "%G?", "%GS"])


class SignOffError(Exception):
    """A sign-off cannot be recorded or read; the message says why and what to do."""


class SignOffKind(StrEnum):
    REVIEW = "review"
    APPROVAL = "approval"


class Signature(StrEnum):
    """git's verdict on a commit's signature: the codes of ``git log --format=%G?``."""

    GOOD = "G"  #: a good signature from a trusted key: verified
    UNTRUSTED = "U"  #: a good signature from a key of unknown validity
    BAD = "B"
    EXPIRED = "X"  #: a good signature that has expired
    EXPIRED_KEY = "Y"  #: a good signature made by a key that has since expired
    REVOKED_KEY = "R"  #: a good signature made by a revoked key
    UNCHECKABLE = "E"  #: cannot be checked, such as a missing key
    NONE = "N"  #: no signature, or one git was not set up to check (SSH without signers file)


_WORDS = {
    Signature.GOOD: "verified",
    Signature.UNTRUSTED: "good signature, key not trusted",
    Signature.BAD: "BAD signature",
    Signature.EXPIRED: "signature expired",
    Signature.EXPIRED_KEY: "signed by an expired key",
    Signature.REVOKED_KEY: "signed by a revoked key",
    Signature.UNCHECKABLE: "cannot be checked (key not available)",
    Signature.NONE: "not verified (git is not set up to check it)",
}


@dataclass(frozen=True)
class SignOff:
    """One review or approval of the plan, as recorded by a commit."""

    kind: SignOffKind
    name: str  #: who signed off, from the trailer
    role: str | None  #: the approval role; None for a review
    date: dt.date  #: the commit's author date
    commit: str  #: full commit id
    signature: Signature
    signed_with: str | None = None  #: "GPG", "SSH" or "X.509" when the commit carries a signature
    signer: str | None = None  #: who git says signed it (``%GS``), when verified
    note: str | None = None  #: the commit message's body, for reviews
    current: bool = True  #: approvals: plan.yaml unchanged since (apart from review.next)

    @property
    def short(self) -> str:
        return self.commit[:10]

    @property
    def verified(self) -> bool:
        return self.signature is Signature.GOOD

    def signature_words(self) -> str:
        """ "unsigned", "SSH-signed, verified (ana@example.com)", "GPG-signed, BAD signature"."""
        if self.signed_with is None and self.signature is Signature.NONE:
            return "unsigned"
        words = f"{self.signed_with or 'signed'}-signed, {_WORDS[self.signature]}"
        if self.signer and self.signature in (Signature.GOOD, Signature.UNTRUSTED):
            words += f" ({self.signer})"
        return words

    def signature_text(self) -> str:
        """The Signature column: the commit, and whether it is signed and verified."""
        return f"commit {self.short}, {self.signature_words()}"


@dataclass(frozen=True)
class Recorded:
    """What ``record_review`` or ``record_approval`` did."""

    commit: str
    signoff: SignOff | None  #: the new sign-off as read back from history
    notes: tuple[str, ...] = ()  #: things the user should know (shown as warnings)


# -- reading ----------------------------------------------------------------------------------


def read_signoffs(plan_path: Path, since: dt.date | None = None) -> tuple[SignOff, ...]:
    """Every review and approval of the plan in the history of HEAD, oldest first.

    Empty when the plan is not in a git work tree (or git is not installed) or nothing is
    recorded; SignOffError when git fails on a repository. Counted: commits whose
    ``Tracker-Plan`` trailer names this plan; approvals without that trailer; reviews without it
    only from commits that changed plan.yaml (a ``Reviewed-by`` elsewhere is a code review).
    An approval is ``current`` when plan.yaml, apart from the value of ``review.next``, is
    the same now as in the commit approved. ``since`` (the plan's ``created`` date) lets git
    stop walking a long history where no sign-off of this plan can be.
    """
    plan_path = Path(plan_path)
    folder = plan_path.absolute().parent
    limit = [f"--since={since - dt.timedelta(days=1)}"] if since is not None else []
    try:
        raw = _git(folder, "log", "-z", "--reverse", f"--format={_FORMAT}", "-E", "-i",
                   f"--grep=^({REVIEWED_BY}|{APPROVED_BY}):", *limit, "HEAD", "--")
    except FileNotFoundError:  # no git, or no such folder
        return ()
    except SignOffError:
        if _has_head(folder):
            raise
        return ()  # not a repository, or no commit yet
    candidates = [c for c in (_parse_record(r) for r in raw.decode("utf-8", "replace")
                              .split("\0") if r.strip()) if c is not None]
    if not candidates:
        return ()
    prefix = _git(folder, "rev-parse", "--show-prefix").decode("utf-8", "replace").strip()
    rel = (prefix + plan_path.name).replace(os.sep, "/")
    candidates = [c for c in candidates if c.plan in (None, rel)]
    if any(c.plan is None and c.reviewers for c in candidates):
        touching = set(_git(folder, "log", "--format=%H", *limit, "HEAD", "--", rel)
                       .decode().split())
    else:
        touching = set()
    candidates = [c for c in candidates
                  if c.approvers or c.plan == rel or c.commit in touching]  # what counts
    checked = _signatures(folder, [c.commit for c in candidates])
    candidates = [replace(c, signature=checked[c.commit][0], signer=checked[c.commit][1])
                  if c.commit in checked else c for c in candidates]
    approvals = [c for c in candidates if c.approvers]
    objects = _cat_files(folder, [c.commit for c in candidates]
                         + [f"{c.commit}:{rel}" for c in approvals])
    current = _read_bytes(plan_path)
    out: list[SignOff] = []
    for c in candidates:
        method = _signed_with(objects.get(c.commit))
        base = SignOff(SignOffKind.REVIEW, "", None, c.date, c.commit, c.signature, method,
                       c.signer or None, c.note)
        if c.plan == rel or c.commit in touching:
            out.extend(replace(base, name=name) for name in c.reviewers)
        if c.approvers:
            same = _same_plan(objects.get(f"{c.commit}:{rel}"), current)
            out.extend(replace(base, kind=SignOffKind.APPROVAL, name=name, role=role, note=None,
                               current=same) for name, role in c.approvers)
    return tuple(out)


def _signatures(folder: Path, commits: list[str]) -> dict[str, tuple[Signature, str]]:
    """Signature state and signer of each commit: asked only for the sign-offs that count,
    since checking a signature runs gpg (a Gerrit-style history has a Reviewed-by trailer on
    every commit)."""
    out: dict[str, tuple[Signature, str]] = {}
    for start in range(0, len(commits), 500):
        chunk = commits[start:start + 500]
        raw = _git(folder, "log", "--no-walk=unsorted", "-z", f"--format={_SIGNATURE_FORMAT}",
                   *chunk).decode("utf-8", "replace")
        for record in raw.split("\0"):
            parts = record.lstrip("\n").split(_FIELD, 2)
            if len(parts) == 3:
                try:
                    out[parts[0]] = (Signature(parts[1]), parts[2])
                except ValueError:
                    continue
    return out


def latest_approvals(approvals: Sequence[Approval], signoffs: Iterable[SignOff]
                     ) -> list[tuple[Approval, SignOff | None]]:
    """Each approval role of the plan with its newest sign-off (None while pending).

    Roles match ignoring case and repeated spaces; sign-offs for roles the plan does not name
    are left out.
    """
    newest: dict[str, SignOff] = {}
    for s in signoffs:
        if s.kind is SignOffKind.APPROVAL and s.role is not None:
            newest[_role_key(s.role)] = s  # oldest first, so the last one wins
    return [(a, newest.get(_role_key(a.role))) for a in approvals]


def past_reviews(signoffs: Iterable[SignOff]) -> list[SignOff]:
    """Recorded reviews, newest first."""
    return [s for s in reversed(list(signoffs)) if s.kind is SignOffKind.REVIEW]


def match_role(role: str, approvals: Sequence[Approval]) -> str | None:
    """The plan's spelling of ``role`` (ignoring case and spacing), or None if it has none."""
    wanted = _role_key(role)
    return next((a.role for a in approvals if _role_key(a.role) == wanted), None)


def _role_key(role: str) -> str:
    return " ".join(role.split()).casefold()


@dataclass(frozen=True)
class _Candidate:
    commit: str
    date: dt.date
    signature: Signature
    signer: str
    plan: str | None
    reviewers: tuple[str, ...]
    approvers: tuple[tuple[str, str], ...]
    note: str | None


def _parse_record(record: str) -> _Candidate | None:
    parts = record.lstrip("\n").split(_FIELD, 4)
    if len(parts) != 5:
        return None
    commit, when, code, signer, message = parts
    try:
        date = dt.datetime.fromisoformat(when).date()
        signature = Signature(code)
    except ValueError:
        return None
    trailers, note = split_trailers(message)
    plan = next((v for k, v in reversed(trailers) if k == PLAN_TRAILER.lower()), None)
    reviewers = tuple(_person(v) for k, v in trailers if k == REVIEWED_BY.lower() and v)
    approvers = tuple(p for k, v in trailers if k == APPROVED_BY.lower()
                      if (p := parse_approval(v)) is not None)
    if not reviewers and not approvers:
        return None
    return _Candidate(commit, date, signature, signer, plan, reviewers, approvers, note)


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
    """``NAME (ROLE)`` → (NAME, ROLE); the role is the last balanced parenthesised group."""
    value = value.strip()
    if not value.endswith(")"):
        return None
    depth = 0
    for at in range(len(value) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(value[at], 0)
        if depth == 0:
            name, role = _person(value[:at]), value[at + 1:-1].strip()
            return (name, role) if name and role else None
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


def _same_plan(approved: bytes | None, now: bytes | None) -> bool:
    """Whether the approved plan.yaml and today's are the same, apart from review.next."""
    if approved is None or now is None:
        return False
    if approved == now:
        return True
    try:
        old, new = (b.decode("utf-8").replace("\r\n", "\n") for b in (approved, now))
    except UnicodeDecodeError:
        return False
    return old == new or _without_review_next(old) == _without_review_next(new)


def _without_review_next(text: str) -> str:
    from tracker.plan.edit import EditError, review_next_span

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


def _has_head(folder: Path) -> bool:
    try:
        _git(folder, "rev-parse", "-q", "--verify", "HEAD")
    except (SignOffError, OSError):
        return False
    return True


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git; FileNotFoundError when git is missing, SignOffError when it fails."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              env=env, timeout=120, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SignOffError(f"git {args[0]} took too long: {exc}") from exc
    except NotADirectoryError as exc:
        raise SignOffError(f"{cwd}: not a folder") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SignOffError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def _cat_files(folder: Path, names: list[str]) -> dict[str, bytes]:
    """Contents of objects by name (``SHA`` or ``SHA:path``), in one ``git cat-file``."""
    if not names:
        return {}
    names = list(dict.fromkeys(names))
    raw = _git(folder, "cat-file", "--batch", stdin=("\n".join(names) + "\n").encode())
    out: dict[str, bytes] = {}
    at = 0
    for name in names:
        end = raw.index(b"\n", at)
        header = raw[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<name> missing"
            continue
        size = int(header[2])
        out[name] = raw[at:at + size]
        at += size + 1
    return out


# -- writing ----------------------------------------------------------------------------------


def repository_root(plan_path: Path) -> Path:
    """The work tree that would record a sign-off of the plan.

    SignOffError when there is none, or when a merge, rebase, cherry-pick or revert is in
    progress there (a commit now would conclude it with the wrong content).
    """
    return Path(_repo(plan_path).working_tree_dir or ".")


def record_review(plan_path: Path, name: str, *, title: str, next_review: dt.date,
                  note: str | None = None, when: dt.datetime | None = None) -> Recorded:
    """Commit plan.yaml as it is now in the work tree, with a ``Reviewed-by`` trailer.

    The caller has already written the new ``review.next``. Only plan.yaml goes into the
    commit; other staged changes stay staged, and the index's plan.yaml is updated to what was
    committed. ``when`` dates the commit (its author date is the review's date), for a review
    recorded as of another day; by default git's clock.
    """
    subject = f"Review testing plan {_quoted(title)}; next review {next_review.isoformat()}"
    body = [note.strip()] if note and note.strip() else []
    return _record(plan_path, name, subject, body, f"{REVIEWED_BY}: {name}", include_plan=True,
                   when=when)


def record_approval(plan_path: Path, name: str, role: str, *, title: str) -> Recorded:
    """An empty commit with an ``Approved-by: NAME (ROLE)`` trailer: the sign-off of HEAD's plan.

    Refuses when plan.yaml is not committed, since an approval must name a version.
    """
    repo = _repo(plan_path)
    rel = _relative(repo, plan_path)
    if not _committed(repo, rel):
        raise SignOffError(f"{rel} is not committed yet: commit it first, so that the approval "
                           "names a version of the plan")
    notes = []
    if repo.git.status("--porcelain", "--", rel).strip():
        notes.append(f"{rel} has uncommitted changes: this approval covers the committed "
                     "version only")
    done = _record(plan_path, name, f"Approve testing plan {_quoted(title)} as {role}", [],
                   f"{APPROVED_BY}: {name} ({role})", include_plan=False)
    return replace(done, notes=tuple(notes) + done.notes)


def _record(plan_path: Path, name: str, subject: str, body: list[str], trailer: str, *,
            include_plan: bool, when: dt.datetime | None = None) -> Recorded:
    import git

    repo = _repo(plan_path)
    rel = _relative(repo, plan_path)
    message = "\n\n".join([subject, *body, f"{trailer}\n{PLAN_TRAILER}: {rel}"]) + "\n"
    env = _identity(repo, name)
    if when is not None:
        env["GIT_AUTHOR_DATE"] = when.isoformat()
    import tempfile  # only when recording: reading sign-offs is on render's start-up path

    with tempfile.TemporaryDirectory(prefix="tracker-signoff-") as tmp:
        index = {**env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        message_file = Path(tmp) / "message"
        message_file.write_text(message, encoding="utf-8")
        try:
            if _has_head(Path(repo.working_tree_dir or ".")):
                repo.git.read_tree("HEAD", env=index)
            else:
                repo.git.read_tree("--empty", env=index)
            if include_plan:
                repo.git.update_index("--add", "--", rel, env=index)
            repo.git.commit("--allow-empty", "--cleanup=whitespace", "-F", str(message_file),
                            env=index)
            commit = repo.git.rev_parse("HEAD")
        except git.GitCommandError as exc:
            raise SignOffError(f"git commit failed: {_git_message(exc)}") from exc
    notes: list[str] = []
    if include_plan:
        try:  # the real index: plan.yaml as committed, so status shows no revert
            repo.git.update_index("--add", "--", rel)
        except git.GitCommandError as exc:
            notes.append(f"committed, but could not update the index ({_git_message(exc)}): "
                         f"run git add {rel}")
    if repo.head.is_detached:
        notes.append(f"HEAD is detached: commit {commit[:10]} is on no branch and is lost at "
                     "the next checkout; keep it with `git switch -c NAME` or cherry-pick it")
    try:
        found = [s for s in read_signoffs(plan_path) if s.commit == commit]
    except SignOffError:
        found = []
    return Recorded(commit, found[-1] if found else None, tuple(notes))


def _repo(plan_path: Path) -> Any:
    try:
        import git
    except ImportError as exc:  # GitPython raises ImportError when git itself is missing
        raise SignOffError(f"git is not available ({exc}): install git") from exc
    folder = Path(plan_path).absolute().parent
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise SignOffError(f"{folder} is not in a git repository, where sign-offs are "
                           "recorded: run `git init` there (or use the plan in a "
                           "repository)") from exc
    if repo.bare or repo.working_tree_dir is None:
        raise SignOffError(f"{folder} is in a bare repository: use a clone with a work tree")
    git_dir = Path(repo.git_dir)
    for marker, what in _IN_PROGRESS:
        if (git_dir / marker).exists():
            raise SignOffError(f"a {what} is in progress in {repo.working_tree_dir}: finish or "
                               "abort it first, then record the sign-off")
    return repo


_IN_PROGRESS = (("MERGE_HEAD", "merge"), ("rebase-merge", "rebase"), ("rebase-apply", "rebase"),
                ("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert"))


def _relative(repo: Any, plan_path: Path) -> str:
    top = Path(repo.working_tree_dir).resolve()
    path = Path(plan_path).absolute().parent.resolve() / Path(plan_path).name
    try:
        return path.relative_to(top).as_posix()
    except ValueError as exc:
        raise SignOffError(f"{plan_path} is outside the work tree {top}") from exc


def _committed(repo: Any, rel: str) -> bool:
    import git

    try:
        repo.git.cat_file("-e", f"HEAD:{rel}")
    except git.GitCommandError:
        return False
    return True


def _identity(repo: Any, name: str) -> dict[str, str]:
    """The repository's own identity when configured; else NAME (with no e-mail)."""
    import git

    env: dict[str, str] = {}
    for who in ("AUTHOR", "COMMITTER"):
        try:
            repo.git.execute(["git", "-c", "user.useConfigOnly=true", "var",
                              f"GIT_{who}_IDENT"])
        except git.GitCommandError:
            env[f"GIT_{who}_NAME"] = name
            env[f"GIT_{who}_EMAIL"] = ""
    return env


def _git_message(exc: Any) -> str:
    text = (getattr(exc, "stderr", "") or str(exc)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line.removeprefix("stderr: ").strip("'").strip() for line in lines]
    return "; ".join(line for line in lines[-3:] if line) or "unknown error"


def _quoted(title: str) -> str:
    first = title.strip().splitlines()[0] if title.strip() else "plan"
    return f'"{first}"'
