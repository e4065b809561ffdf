"""What the optgym package's modules import from each other, read from
their source: the import graph, its cycles, and private names used across
modules.

Every import counts, at module level or inside a function (a lazy import
hides a cycle, it does not remove it), except those under ``if
TYPE_CHECKING:``, which never run. ``from .x import y`` is an edge to
``x.y`` when that is a module of the package, else to ``x``; an import of a
package is an edge to its ``__init__``.

A private name is one with a single leading underscore. Using one across
modules means ``from .x import _name``, or ``something._name`` where
``_name`` is defined in another module of the package (a function, a
class, a method or an attribute assigned there) and not in this one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

__all__ = ["Package", "PrivateUse", "import_cycles", "private_uses"]


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@dataclass(frozen=True)
class PrivateUse:
    """``module``:``line`` uses ``name``, private to another module."""

    module: str
    line: int
    name: str

    def __str__(self) -> str:
        return "%s:%d: uses %s, private to another module" % (self.module, self.line, self.name)


class Package:
    """The modules of the package rooted at ``root`` (a directory holding
    ``__init__.py``), by dotted name, with their parsed source."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.name = self.root.name
        self.trees: Dict[str, ast.Module] = {}
        self.files: Dict[str, Path] = {}
        for path in sorted(self.root.rglob("*.py")):
            parts = path.relative_to(self.root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            module = ".".join((self.name,) + parts)
            self.files[module] = path
            self.trees[module] = ast.parse(path.read_text(), str(path))

    def _is_package(self, module: str) -> bool:
        return self.files[module].name == "__init__.py"

    def _resolve(self, module: str, node: ast.ImportFrom) -> Optional[str]:
        """The absolute module an ``import from`` names, or None outside
        the package."""
        if node.level == 0:
            base = node.module or ""
        else:
            parts = module.split(".")
            if not self._is_package(module):
                parts = parts[:-1]
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join(parts + ([node.module] if node.module else []))
        return base if base == self.name or base.startswith(self.name + ".") else None

    def imports(self, module: str) -> Iterator[Tuple[int, str, Optional[str]]]:
        """(line, imported module, imported name or None) for every runtime
        import of ``module`` that stays in the package."""
        for node in _runtime_nodes(self.trees[module]):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in self.files:
                        yield node.lineno, alias.name, None
            elif isinstance(node, ast.ImportFrom):
                target = self._resolve(module, node)
                if target is None:
                    continue
                for alias in node.names:
                    submodule = target + "." + alias.name
                    if submodule in self.files:
                        yield node.lineno, submodule, None
                    elif target in self.files:
                        yield node.lineno, target, alias.name

    def graph(self) -> Dict[str, Set[str]]:
        """Module -> the modules of the package it imports."""
        return {
            module: {target for _, target, _ in self.imports(module) if target != module}
            for module in self.trees
        }

    def defined_private_names(self, module: str) -> Set[str]:
        """Private names ``module`` defines: functions, classes, methods,
        assigned names and attributes, slots."""
        names: Set[str] = set()
        for node in ast.walk(self.trees[module]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # __slots__ entries and setattr/vars().update names.
                names.add(node.value)
            elif isinstance(node, ast.keyword) and node.arg:
                names.add(node.arg)
        return {name for name in names if _is_private(name)}


def _runtime_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node of ``tree`` except what stands under ``if TYPE_CHECKING``."""
    stack: List[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_cycles(package: Package) -> List[List[str]]:
    """The strongly connected components of the import graph with more
    than one module (Tarjan's algorithm), each sorted, in sorted order."""
    graph = package.graph()
    index: Dict[str, int] = {}
    lowlink: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    components: List[List[str]] = []

    def visit(module: str) -> None:
        index[module] = lowlink[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                lowlink[module] = min(lowlink[module], lowlink[target])
            elif target in on_stack:
                lowlink[module] = min(lowlink[module], index[target])
        if lowlink[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(components)


def private_uses(package: Package) -> List[PrivateUse]:
    """Every use of a name private to another module of the package."""
    defined = {module: package.defined_private_names(module) for module in package.trees}
    uses: List[PrivateUse] = []
    for module, tree in package.trees.items():
        for line, target, name in package.imports(module):
            if name is not None and _is_private(name) and target != module:
                uses.append(PrivateUse(module, line, name))
        others = set().union(*(names for other, names in defined.items() if other != module))
        for node in _runtime_nodes(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Load)
                and node.attr in others
                and node.attr not in defined[module]
            ):
                uses.append(PrivateUse(module, node.lineno, node.attr))
    return sorted(uses, key=lambda use: (use.module, use.line, use.name))
