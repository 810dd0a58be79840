"""Safe YAML reading that keeps every key's and value's position.

PyYAML's loaders forget where values came from and silently keep the last of two duplicate
keys; both are unacceptable for a file people edit by hand. We let the C parser compose the
node graph (fast, safe: no object construction) and convert it ourselves, recording positions,
rejecting duplicate keys, unknown tags and alias bombs, and never raising on bad input: every
problem becomes a :class:`~tracker.problems.Problem`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.gcpause import paused_gc
from tracker.plan.yaml_problems import alias_use, position, yaml_error_problem
from tracker.problems import Location, Problem

if TYPE_CHECKING:
    import yaml

#: Converting more values than this through aliases (and merge keys) means they are being
#: expanded without end: an alias bomb. Values written out in the file do not count, however
#: many: the file's size cap bounds those.
MAX_NODES = 500_000

_TAG = "tag:yaml.org,2002:"
_STR = f"{_TAG}str"
_MAP, _SEQ, _MERGE, _NULL = f"{_TAG}map", f"{_TAG}seq", f"{_TAG}merge", f"{_TAG}null"
#: Plain scalars up to this long have their resolved tag remembered (keys, ids, statuses and
#: other short values recur through a plan), up to this many of them (a bound for the TUI,
#: which reads plan after plan).
_REMEMBERED_CHARS = 40
_REMEMBERED = 20_000
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_Loader: Any = None  #: PyYAML's C loader (or its pure one), set by _import_yaml
_ScalarNode: Any = None  #: node classes, checked for every node; set by _import_yaml
_MappingNode: Any = None


def _import_yaml() -> None:
    """Import PyYAML the first time a plan is really parsed.

    A plan loaded from tracker's cache (see tracker.plan.cache) needs no YAML at all, and
    importing PyYAML (its resolver compiles a dozen patterns) costs more than reading a
    cached plan. The names are module globals, set once, so the converter's hot loops stay
    plain global lookups.
    """
    global yaml, _Loader, _ScalarNode, _MappingNode
    if _Loader is not None:
        return
    import yaml

    try:  # the C loader is an order of magnitude faster; fall back when libyaml is missing
        from yaml import CSafeLoader as loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as loader  # type: ignore[assignment]
    _ScalarNode, _MappingNode, _Loader = yaml.ScalarNode, yaml.MappingNode, _quick(loader)


def _quick(loader: Any) -> Any:
    """``loader`` with the tag of each node resolved in fewer steps, to the same tags.

    Composing calls three resolver methods per node, which walk the path resolvers and
    build lists for every scalar: for a big plan, a third of the composing. The safe
    loader has no path resolvers (when it has, ``loader`` is kept as it is), so entering
    and leaving a node need not be tracked, and a scalar is tried only against the implicit
    resolvers of its first character, as PyYAML's own ``resolve`` does.
    """
    if loader.yaml_path_resolvers:  # pragma: no cover - none unless someone adds one
        return loader
    implicit = loader.yaml_implicit_resolvers
    anywhere = implicit.get(None, [])
    by_first = {key: [*found, *anywhere] for key, found in implicit.items() if key is not None}
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode
    text_tag, list_tag = loader.DEFAULT_SCALAR_TAG, loader.DEFAULT_SEQUENCE_TAG
    map_tag = loader.DEFAULT_MAPPING_TAG
    plain: dict[str, str] = {}  #: the tag of a short plain scalar, once worked out

    class Quick(loader):  # type: ignore[misc]
        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is scalar:
                if implicit[0]:
                    known = plain.get(value)  # keys and short values repeat throughout
                    if known is not None:
                        return known
                    tag = text_tag
                    for found, pattern in by_first.get(value[:1], anywhere):
                        if pattern.match(value):
                            tag = found
                            break
                    if len(value) <= _REMEMBERED_CHARS and len(plain) < _REMEMBERED:
                        plain[value] = str(tag)
                    return str(tag)
                return str(text_tag)
            return str(list_tag if kind is sequence else map_tag)

    return Quick


class YMap(dict[str, Any]):
    """A mapping that remembers where each key and value stand in the file.

    Positions are worked out on demand from the parser's nodes: a big plan has tens of
    thousands of keys, and only the few that end up in the model or in a problem need one.
    """

    __slots__ = ("path", "node", "nodes")

    def __init__(self, path: str, node: yaml.Node) -> None:  # empty: the converter fills it
        self.path = path
        self.node = node
        self.nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}  #: key -> (key, value) nodes

    @property
    def loc(self) -> Location:
        return _loc(self.path, self.node)

    def key_loc(self, key: str) -> Location:
        pair = self.nodes.get(key)
        return _loc(self.path, pair[0]) if pair else self.loc

    def value_loc(self, key: str) -> Location:
        pair = self.nodes.get(key)
        return _loc(self.path, pair[1]) if pair else self.loc

    def written(self, key: str, default: str | None = None) -> str | None:
        """The scalar value of ``key`` as written (``id: 1.10`` stays "1.10"), else default."""
        pair = self.nodes.get(key)
        if pair is None or not isinstance(pair[1], yaml.ScalarNode):
            return default
        return str(pair[1].value)

    @property
    def key_locs(self) -> dict[str, Location]:
        """Every key's position at once (key_loc is cheaper for one)."""
        return {key: _loc(self.path, k) for key, (k, _) in self.nodes.items()}

    @property
    def value_locs(self) -> dict[str, Location]:
        return {key: _loc(self.path, v) for key, (_, v) in self.nodes.items()}

    @property
    def raw(self) -> dict[str, str]:
        """Scalar values as written, by key."""
        return {key: str(v.value) for key, (_, v) in self.nodes.items()
                if isinstance(v, yaml.ScalarNode)}


class YSeq(list[Any]):
    """A sequence that remembers where each entry stands in the file (worked out on demand)."""

    __slots__ = ("path", "node")

    def __init__(self, path: str, node: yaml.Node) -> None:  # empty: the converter fills it
        self.path = path
        self.node = node

    @property
    def loc(self) -> Location:
        return _loc(self.path, self.node)

    def item_loc(self, index: int) -> Location:
        return _loc(self.path, self.node.value[index])

    @property
    def item_locs(self) -> list[Location]:
        return [_loc(self.path, child) for child in self.node.value]


def _loc(path: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(path, mark.line + 1, mark.column + 1)


class _Converter:
    """Turns a composed node graph into YMap/YSeq/scalars, collecting problems.

    This runs once per node of the plan, so the common case, a plain string, is recognised
    by the mapping and sequence loops and taken as it is, without the general conversion.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.count = 0  #: values converted through aliases and merge keys so far
        self.constructor = yaml.constructor.SafeConstructor()
        self.open: set[int] = set()  #: nodes being converted: meeting one again is a cycle
        self.seen: set[int] = set()  #: mappings and lists converted once: again is an alias
        self.aliased = 0  #: > 0 while converting a mapping or list reached again (an alias)

    def convert(self, node: yaml.Node) -> Any:
        if isinstance(node, _ScalarNode):
            if self.aliased:
                self._expanded(node)
            return node.value if node.tag == _STR else self._scalar(node)
        key = id(node)
        if key in self.open:
            raise _Cycle(_loc(self.path, node))
        again = key in self.seen
        if again:
            self.aliased += 1
        else:
            self.seen.add(key)
        self.open.add(key)
        try:
            value = self._mapping(node) if isinstance(node, _MappingNode) else \
                self._sequence(node)
        finally:
            self.open.discard(key)
            if again:
                self.aliased -= 1
        if again:  # counted once converted, so an alias bomb is reported at its innermost value
            self._expanded(node)
        return value

    def _expanded(self, node: yaml.Node) -> None:
        """Count one value converted again through an alias; too many is an alias bomb.

        YAML's composer shares an anchored node between its alias uses, so the first
        conversion of a mapping or list is the file's own text and every later one an
        expansion. Only expansions are counted: a plan of any size without aliases loads.
        """
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(_loc(self.path, node))

    def _plain(self, node: yaml.Node) -> bool:
        """True for a plain string node (the inline fast path), counted inside an alias."""
        if node.tag != _STR or not isinstance(node, _ScalarNode):
            return False
        if self.aliased:
            self._expanded(node)
        return True

    def _check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            self.problems.append(Problem(
                _loc(self.path, node),
                f"tag {node.tag.replace(_TAG, '!!')!r} is not allowed here: plan.yaml holds "
                "plain data; remove the tag",
            ))

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._check_tag(node, _STR)
            return node.value if isinstance(node.value, str) else None
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception:  # PyYAML's constructors fail in many ways on odd values: an
            # explicit ``!!int`` with nothing after it is an IndexError, ``!!timestamp x``
            # an AttributeError; each means the same thing, a value that cannot be read
            if node.tag == f"{_TAG}timestamp":
                msg = f"impossible date {node.value!r}: use a real calendar date as YYYY-MM-DD"
            else:
                msg = f"cannot read value {node.value!r}: write it as plain text or a number"
            self.problems.append(Problem(_loc(self.path, node), msg))
            return None

    def _sequence(self, node: yaml.Node) -> YSeq:
        seq = YSeq(self.path, node)
        if node.tag != _SEQ:
            self._check_tag(node, _SEQ)
        append, plain, convert = seq.append, self._plain, self.convert
        for child in node.value:
            append(child.value if plain(child) else convert(child))
        return seq

    def _mapping(self, node: yaml.MappingNode) -> YMap:
        result = YMap(self.path, node)
        if node.tag != _MAP:
            self._check_tag(node, _MAP)
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        put = self._put
        for pair in node.value:
            if pair[0].tag == _MERGE:
                merged.extend(self._merge_pairs(pair[1]))
            else:
                put(result, pair, True)
        for pair in merged:  # explicit keys win over merged ones, as in YAML
            if str(pair[0].value) not in result:
                put(result, pair, False)
        return result

    def _merge_pairs(self, node: yaml.Node, depth: int = 0) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs a ``<<`` brings in, its sources' own merges resolved first."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode) or depth > 100:
                self.problems.append(Problem(_loc(self.path, source),
                                             "'<<' must merge a mapping: point it at a mapping"))
                continue
            own = [(k, v) for k, v in source.value if k.tag != _MERGE]
            for key, _ in own:  # merged pairs are copies, as alias expansions are
                self._expanded(key)
            names = {str(k.value) for k, _ in own if isinstance(k, yaml.ScalarNode)}
            for key, value in source.value:
                if key.tag == _MERGE:
                    own.extend((k, v) for k, v in self._merge_pairs(value, depth + 1)
                               if str(k.value) not in names)
            pairs.extend(own)
        return pairs

    def _put(self, result: YMap, pair: tuple[yaml.Node, yaml.Node], explicit: bool) -> None:
        """Convert one key/value pair into ``result``; a repeated explicit key is a problem."""
        key_node, value_node = pair
        if self.aliased or not explicit:
            self._expanded(key_node)
        if not isinstance(key_node, _ScalarNode):
            self.problems.append(Problem(_loc(self.path, key_node),
                                         "keys must be plain words: quote or rename this key"))
            return
        key = str(key_node.value)
        nodes = result.nodes
        if explicit and key in nodes:
            first = _loc(self.path, nodes[key][0])
            self.problems.append(Problem(
                _loc(self.path, key_node),
                f"duplicate key {key!r} (first at line {first.line}): YAML would silently keep "
                f"only the last one; merge them into one",
            ))
        result[key] = value_node.value if self._plain(value_node) else self.convert(value_node)
        nodes[key] = pair


class _TooBig(Exception):
    def __init__(self, where: Location) -> None:
        self.where = where


class _Cycle(_TooBig):
    pass


def read_yaml(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into YMap/YSeq/scalars; problems instead of exceptions."""
    with paused_gc():  # parsing and converting make tens of thousands of acyclic objects
        return _read(text, path)


def _read(text: str, path: str) -> tuple[Any, list[Problem]]:
    _import_yaml()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        return None, [yaml_error_problem(exc, text, path)]
    except RecursionError:
        return None, [Problem(Location(path, 1, 1),
                              "YAML nests too deeply to read: flatten the structure")]
    except UnicodeEncodeError as exc:  # a lone surrogate, from text not read from a file
        line, column = position(text, exc.start)
        return None, [Problem(Location(path, line, column),
                              f"character U+{ord(text[exc.start]):04X} is not Unicode text: "
                              "remove it")]
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):  # or ~
        return None, [Problem(Location(path, 1, 1),
                              "plan is empty: write a plan (`tracker init` makes a starter)")]
    converter = _Converter(path)
    try:
        value = converter.convert(node)
    except _Cycle as cycle:
        where = alias_use(text, cycle.where)
        return None, [Problem(where, "an alias refers to the mapping or list that contains "
                                           "it (a cycle): write the data out without the cycle")]
    except _TooBig as big:
        return None, [Problem(big.where,
                              f"more than {MAX_NODES:,} values after expanding aliases "
                              "(an alias bomb?): write the data out without nested aliases")]
    except RecursionError:
        return None, [Problem(Location(path, 1, 1),
                              "YAML nests too deeply to read: flatten the structure")]
    return value, converter.problems
