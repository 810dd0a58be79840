"""The parts of a project's pytest configuration that decide which files hold tests.

Read without importing pytest: ``tracker check`` and ``render`` must start fast, so even the
TOML, INI and shell-word parsers are imported only for a file that needs them. Sources in
pytest's own order of precedence: pytest.toml / .pytest.toml, pytest.ini / .pytest.ini,
pyproject.toml ``[tool.pytest.ini_options]`` (or ``[tool.pytest]``), tox.ini ``[pytest]``,
setup.cfg ``[tool:pytest]``.

Like pytest, the settings are looked for in the plan's folder and then in each folder above
it, up to the repository's top (a service's plan.yaml in a monorepo whose pytest.ini sits at
the top). pytest's node ids
are then relative to that folder, its rootdir, and ``testpaths`` apply only when pytest is
started in the rootdir itself, so they are dropped for a plan in a folder below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_NORECURSE = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv",
                     "{arch}", "__pycache__", "site-packages")


@dataclass(frozen=True)
class PytestConfig:
    """Collection settings, with pytest's defaults where the project says nothing."""

    testpaths: tuple[str, ...] = ()
    python_files: tuple[str, ...] = ("test_*.py", "*_test.py")
    python_classes: tuple[str, ...] = ("Test",)
    python_functions: tuple[str, ...] = ("test",)
    norecursedirs: tuple[str, ...] = DEFAULT_NORECURSE
    addopts: tuple[str, ...] = ()
    source: str | None = field(default=None, compare=False)  #: e.g. "pytest.ini", "../tox.ini"
    #: pytest-asyncio's mode, from ``asyncio_mode`` or ``--asyncio-mode`` in addopts; None
    #: when unset ("strict": an ``async def`` test runs only with the asyncio mark)
    asyncio_mode: str | None = None

    @property
    def asyncio_auto(self) -> bool:
        """Whether pytest-asyncio runs every ``async def`` test, marked or not."""
        return self.asyncio_mode == "auto"


def _split(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(value.split())
    return ()


def _from_mapping(values: dict[str, object], source: str) -> PytestConfig:
    base = PytestConfig()
    addopts = values.get("addopts")
    if isinstance(addopts, str):
        import shlex

        try:
            opts = tuple(shlex.split(addopts))
        except ValueError:
            opts = tuple(addopts.split())
    else:
        opts = _split(addopts)
    return PytestConfig(
        testpaths=_split(values.get("testpaths")) or base.testpaths,
        python_files=_split(values.get("python_files")) or base.python_files,
        python_classes=_split(values.get("python_classes")) or base.python_classes,
        python_functions=_split(values.get("python_functions")) or base.python_functions,
        norecursedirs=_split(values.get("norecursedirs")) or base.norecursedirs,
        addopts=opts,
        source=source,
        asyncio_mode=_asyncio_mode(values.get("asyncio_mode"), opts),
    )


def _asyncio_mode(value: object, addopts: tuple[str, ...]) -> str | None:
    """The asyncio mode the project sets: ``--asyncio-mode`` in addopts wins over the ini
    value, as a command-line option does in pytest-asyncio."""
    mode = value.strip() if isinstance(value, str) else None
    for i, opt in enumerate(addopts):
        if opt.startswith("--asyncio-mode="):
            mode = opt.partition("=")[2]
        elif opt == "--asyncio-mode" and i + 1 < len(addopts):
            mode = addopts[i + 1]
    return mode or None


def read_pytest_config(root: Path) -> PytestConfig:
    """The pytest settings that apply to a run started in ``root``: its own, else those of
    the nearest folder above it that has some; defaults when there are none."""
    import dataclasses

    here = Path(root).resolve()
    for up, folder in enumerate((here, *here.parents)):
        found = _read_folder(folder)
        if found is not None:
            if not up:
                return found
            return dataclasses.replace(found, testpaths=(), source=f"{'../' * up}{found.source}")
        if (folder / ".git").exists():  # settings outside the repository are not the project's
            break
    return PytestConfig()


def _read_folder(root: Path) -> PytestConfig | None:
    """The pytest settings kept in ``root`` itself, None when it has none."""
    for name in ("pytest.toml", ".pytest.toml"):
        path = root / name
        if path.is_file():
            data = _read_toml(path)
            if data is None:
                return PytestConfig(source=name)
            return _from_mapping(data.get("pytest", {}), name)
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest")):
        path = root / name
        if path.is_file():
            return _from_ini(path, section, name) or PytestConfig(source=name)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject) or {}
        tool = data.get("tool", {}).get("pytest", {})
        if isinstance(tool, dict) and tool:
            options = tool.get("ini_options", tool)
            if isinstance(options, dict):
                return _from_mapping(options, "pyproject.toml")
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = root / name
        if path.is_file():
            found = _from_ini(path, section, name)
            if found is not None:
                return found
    return None


def _read_toml(path: Path) -> dict[str, Any] | None:
    """The TOML file's data; None when it cannot be read or parsed."""
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return None


def _from_ini(path: Path, section: str, name: str) -> PytestConfig | None:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    if not parser.has_section(section):
        return None
    return _from_mapping(dict(parser.items(section)), name)
