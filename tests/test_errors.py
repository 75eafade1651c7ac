"""One exception tree: every exception class legame defines is in ``legame/errors.py`` and
drawn, under its parent, in that module's docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import legame
from legame import errors

SRC = Path(legame.__file__).parent

#: Exception classes defined outside errors.py on purpose, and why.
PRIVATE_SIGNALS = {
    "legame.policy._Bad": "a policy key's checker raises it with the requirement; the loader, "
    "in the same module, turns it into an InputError naming the file, "
    "the key and the value, so it never leaves legame.policy",
}
#: ``raise ValueError/RuntimeError/Exception(...)`` left in the source on purpose, and why.
BUILTIN_RAISES = {
    "arrow_numpy.py": "an array legame computed that is not one-dimensional or whose null "
    "mask does not match it: NumPy's own error for a bug in legame, not a user's input",
    "engage/message/matching.py": "a phrase of the lexicons shipped with legame that does "
    "not start with a word: a bug in legame's own data, not "
    "a user's input",
    "web/i18n.py": "a number's __format__ in a catalogue message: Python's format protocol "
    "answers a spec it cannot read with ValueError, and the specs are legame's own catalogues'",
}

_NODE = re.compile(
    r"^(?P<prefix>(?:[│ ]   )*)(?:[├└]── )?(?P<name>[A-Z]\w*)"
    r"(?:\((?P<builtins>[\w, ]+)\))?\s{2,}(?P<what>\S.*)$"
)


def _modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(legame.__path__, "legame.")
        if not info.name.endswith("__main__")
    ]


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


def _tree() -> dict[str, tuple[str | None, list[str], str]]:
    """name -> (parent drawn above it, builtins in brackets, what it means)."""
    doc = errors.__doc__ or ""
    block = doc.split("::", 1)[1].split("\n\n")[1]
    nodes: dict[str, tuple[str | None, list[str], str]] = {}
    stack: list[str] = []
    for line in block.splitlines():
        match = _NODE.match(line[4:])
        if match is None:
            assert "── " not in line, f"a node of the tree that does not parse: {line!r}"
            continue
        depth = len(match["prefix"]) // 4 + (0 if line[4:].startswith(match["name"]) else 1)
        del stack[depth:]
        parent = stack[-1] if stack else None
        builtins = [b.strip() for b in (match["builtins"] or "").split(",") if b.strip()]
        nodes[match["name"]] = (parent, builtins, match["what"])
        stack.append(match["name"])
    return nodes


def test_every_exception_class_is_defined_in_errors_py() -> None:
    outside = sorted(
        name for name, cls in _exception_classes().items() if cls.__module__ != "legame.errors"
    )
    assert outside == sorted(PRIVATE_SIGNALS), (
        "Define new exceptions in legame/errors.py and draw them in its docstring tree."
    )


def test_the_docstring_draws_every_error_under_its_parent() -> None:
    defined = {
        cls.__name__: cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, BaseException)
    }
    tree = _tree()
    assert set(tree) == set(defined)
    assert tree["LegameError"][0] is None
    for name, (parent, builtins, what) in tree.items():
        cls = defined[name]
        assert what, name
        if parent is not None:
            assert defined[parent] in cls.__bases__, (name, parent)
        for builtin in builtins:
            assert any(base.__name__ == builtin for base in cls.__mro__), (name, builtin)
    assert all(issubclass(cls, errors.LegameError) for cls in defined.values())


@pytest.mark.parametrize("builtin", ["ValueError", "RuntimeError", "Exception"])
def test_no_bare_builtin_errors_are_raised_outside_the_justified_places(builtin: str) -> None:
    pattern = re.compile(rf"\braise {builtin}\(")
    raising = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if pattern.search(path.read_text("utf-8"))
    )
    expected = sorted(p for p in BUILTIN_RAISES if pattern.search((SRC / p).read_text("utf-8")))
    assert raising == expected, f"raise an error of legame/errors.py instead of {builtin}"
