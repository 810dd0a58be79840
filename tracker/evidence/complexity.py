"""The cyclomatic complexity of source files' functions, read by mccabe from syntax trees.

mccabe (PyCQA's, the checker behind flake8's C901) is a single module with no dependencies
of its own, and its numbers are the ones teams already see from flake8: a function's
decision points (``if``, loops, ``except``, ``with``, comprehension-free branches) plus one.
Boolean operators do not add to it, as they do in radon's count.
"""

from __future__ import annotations

import ast

from tracker.evidence.quality_values import FunctionComplexity


def complexity_of(source: str | bytes) -> tuple[FunctionComplexity, ...]:
    """Every function and method of one file with its complexity, in line order; () when
    the file does not parse. Nested functions count toward the function holding them."""
    import mccabe

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return ()
    visitor = mccabe.PathGraphingAstVisitor()
    visitor.preorder(tree, visitor)
    found = [FunctionComplexity(str(graph.entity), int(graph.lineno), int(graph.complexity()))
             for graph in visitor.graphs.values()]
    return tuple(sorted(found, key=lambda f: (f.line, f.name)))


def module_name(relpath: str) -> str:
    """The dotted module a source file is imported as: ``src/shop/cart.py`` → "shop.cart"
    (a leading ``src/`` or ``lib/`` layout folder dropped, ``__init__`` for its package)."""
    parts = relpath.removesuffix(".py").split("/")
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def own_names(relpath: str, functions: tuple[FunctionComplexity, ...]) -> list[str]:
    """The dotted names of a file's own functions and methods (and their classes), as a
    patch would name them: ``shop.cart.total``, ``shop.cart.Cart``, ``shop.cart.Cart.add``."""
    module = module_name(relpath)
    names: dict[str, None] = {}
    for function in functions:
        parts = function.name.split(".")
        for end in range(1, len(parts) + 1):
            names[f"{module}.{'.'.join(parts[:end])}"] = None
    return list(names)
