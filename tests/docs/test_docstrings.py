"""Every public name is documented: a numpydoc docstring with its parameters, the shapes of the
arrays it takes and returns, and an example that runs.

The public names are the ``__all__`` of each module of the API reference (the ``::: module``
lines of ``docs/api/*.md``, which the documentation site renders with mkdocstrings):
``deltaprop`` and its public subpackages and modules. For each function and class:

- a docstring with a summary line;
- every parameter of its signature under "Parameters" (a class's: of its constructor, or its
  fields under "Attributes");
- every entry typed as an array (under Parameters, Returns, Yields, Attributes) says its
  shape ("shape (n, n_l)", "shaped like ``weights``");
- an "Examples" section with ``>>>`` lines, which this test runs as a doctest;
- a docstring for each of its public methods and properties.

Constants (registries, ``__version__``) need a documentation string where they are defined
(a string after the assignment), which the API reference shows.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

numpydoc = pytest.importorskip("numpydoc.docscrape", reason="the test extra (numpydoc)")
griffe = pytest.importorskip("griffe", reason="the docs extra (mkdocstrings' griffe)")

_ROOT = Path(__file__).resolve().parents[2]
#: the modules of the API reference, in the site's order: its pages' "::: module" lines
MODULES = [
    line.removeprefix("::: ").strip()
    for page in ("deltaprop", "training", "insight", "io", "sklearn", "scale", "cli")
    for line in (_ROOT / "docs" / "api" / f"{page}.md").read_text().splitlines()
    if line.startswith("::: ")
]

#: the optional library each module's examples need; without it they are skipped
REQUIRES = {
    "deltaprop.scale": "mpi4py",
    "deltaprop.insight.plots": "matplotlib",
    "deltaprop.insight.report": "matplotlib",
    "deltaprop.insight.live": "matplotlib",
    "deltaprop.insight.figures": "matplotlib",
    "deltaprop.sklearn": "sklearn",
}
ARRAY = re.compile(r"\b(array|ndarray|tensor)s?\b(?! api)", re.IGNORECASE)  # not "Array API"
SHAPE = re.compile(r"shape|0-d|scalar", re.IGNORECASE)
NO_PARAMS = {"self", "cls"}


def public_names() -> list[tuple[str, str, Any]]:
    """(module, name, object) for each name in a public module's ``__all__``, each object once
    (under the first module that exports it)."""
    seen: set[int] = set()
    out = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is None:
            out.append((module_name, "__all__", None))  # reported by test_has_all
            continue
        for name in names:
            obj = getattr(module, name)
            key = id(obj) if not isinstance(obj, (str, int, float, tuple)) else id((module, name))
            if key in seen:
                continue
            seen.add(key)
            out.append((module_name, name, obj))
    return out


PUBLIC = public_names()
CALLABLES = [p for p in PUBLIC if inspect.isclass(p[2]) or inspect.isfunction(p[2])]
CONSTANTS = [p for p in PUBLIC if p[1] != "__all__" and p not in CALLABLES]


def _ids(params: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{m}.{n}" for m, n, _ in params]


@pytest.mark.parametrize("module_name", MODULES)
def test_has_all(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert hasattr(module, "__all__"), f"{module_name} must list its public names in __all__"
    assert module.__doc__ and module.__doc__.strip(), f"{module_name} has no module docstring"


def _signature_params(obj: Any) -> list[str]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        p.name for p in sig.parameters.values() if p.kind not in kinds and p.name not in NO_PARAMS
    ]


def _names(entries: list[Any]) -> set[str]:
    """Documented names; numpydoc keeps "a, b : int" as one entry."""
    return {n.strip().lstrip("*") for e in entries for n in e.name.split(",")}


def docstring_problems(obj: Any) -> list[str]:
    """What is missing from ``obj``'s documentation (see the module docstring)."""
    text = inspect.getdoc(obj)
    if not text or not text.strip():
        return ["no docstring"]
    doc = (
        numpydoc.ClassDoc(obj, config={"show_class_members": False})
        if inspect.isclass(obj)
        else numpydoc.FunctionDoc(obj)
    )
    problems = []
    if not doc["Summary"]:
        problems.append("no summary line")
    documented = _names(doc["Parameters"]) | _names(doc["Other Parameters"])
    if inspect.isclass(obj):
        documented |= _names(doc["Attributes"])
    missing = [p for p in _signature_params(obj) if p not in documented]
    if missing:
        problems.append(f"parameters not documented under Parameters: {missing}")
    for section in ("Parameters", "Other Parameters", "Returns", "Yields", "Attributes"):
        for entry in doc[section]:
            words = " ".join([entry.name, entry.type, *entry.desc])
            if ARRAY.search(entry.type or entry.name) and not SHAPE.search(words):
                problems.append(f"{section} entry {entry.name!r} is an array: say its shape")
    examples = "\n".join(doc["Examples"])
    if ">>>" not in examples:
        problems.append("no Examples section with >>> lines")
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if name.startswith("_") or name in getattr(obj, "_fields", ()):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if (inspect.isfunction(member) or isinstance(member, property)) and not (
                inspect.getdoc(getattr(obj, name)) or ""
            ).strip():
                problems.append(f"public member {name!r} has no docstring")
    return problems


@pytest.mark.parametrize(("module_name", "name", "obj"), CALLABLES, ids=_ids(CALLABLES))
def test_documented(module_name: str, name: str, obj: Any) -> None:
    problems = docstring_problems(obj)
    if problems:
        pytest.fail(f"{module_name}.{name}: " + "; ".join(problems), pytrace=False)


@pytest.mark.parametrize(("module_name", "name", "obj"), CALLABLES, ids=_ids(CALLABLES))
def test_examples_run(
    module_name: str,
    name: str,
    obj: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    docstring_globals: dict[str, Any],
) -> None:
    """The Examples of the docstring, run as a doctest in a temporary directory, with the
    examples' shared names (``net``, ``X``, ``y``: ``docstring_namespace`` in
    ``tests/conftest.py``)."""
    needs = REQUIRES.get(module_name) or REQUIRES.get(
        getattr(obj, "__module__", "").rsplit(".", 1)[0]
    )
    if needs and importlib.util.find_spec(needs) is None:
        pytest.skip(f"the examples of {module_name} need {needs}, which is not installed")
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(module_name)
    globs = {**vars(module), **docstring_globals}
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs=globs)
    examples = [t for t in tests if t.examples]
    if not examples:
        pytest.fail(f"{module_name}.{name} has no example to run")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    printoptions = np.get_printoptions()
    report: list[str] = []
    try:
        for test in examples:
            runner.run(test, out=report.append)
    finally:
        np.set_printoptions(**printoptions)
    if runner.failures:
        pytest.fail("".join(report), pytrace=False)


_LOADER: list[Any] = []


def _constant_documented(module_name: str, name: str) -> bool:
    """Whether the API reference (griffe, as mkdocstrings reads the source) finds a
    documentation string for ``name``, following a re-export to where it is defined."""
    if not _LOADER:
        loader = griffe.GriffeLoader(search_paths=[str(_ROOT / "src")])
        loader.load("deltaprop")
        loader.resolve_aliases(implicit=False, external=False)
        _LOADER.append(loader)
    try:
        member = _LOADER[0].modules_collection[module_name][name]
    except KeyError:
        return False
    return bool(member.docstring and member.docstring.value.strip())


@pytest.mark.parametrize(("module_name", "name", "obj"), CONSTANTS, ids=_ids(CONSTANTS))
def test_constant_documented(module_name: str, name: str, obj: Any) -> None:
    assert _constant_documented(module_name, name), (
        f"{module_name}.{name} has no documentation: put a string after its assignment"
    )


def test_public_api_is_large_enough_to_be_walked() -> None:
    """A guard against the walk silently finding nothing."""
    assert len(CALLABLES) >= 50, len(CALLABLES)


def test_landing_page_links_every_module() -> None:
    """The package's docstring, the reference's first page, names every public module."""
    import deltaprop

    doc = deltaprop.__doc__ or ""
    missing = [m for m in MODULES[1:] if f"`{m}`" not in doc]
    assert not missing, f"name these modules in deltaprop/__init__.py's docstring: {missing}"


def test_no_section_entry_is_empty_or_broken() -> None:
    """Every parameter has a description, and each Returns entry is a type with its
    description indented under it (prose at the type's indent renders as broken bullets)."""
    bad = []
    for module_name, name, obj in public_names():
        targets = [(name, obj)]
        if inspect.isclass(obj):
            targets += [
                (f"{name}.{k}", getattr(v, "fget", None) or getattr(v, "__func__", v))
                for k, v in vars(obj).items()
                if not k.startswith("_") and (callable(v) or isinstance(v, property))
            ]
        for label, target in targets:
            doc = inspect.getdoc(target)
            if not doc:
                continue
            parsed = numpydoc.NumpyDocString(doc)
            bad += [
                f"{module_name}.{label}: parameter {p.name}"
                for p in parsed["Parameters"]
                if not "".join(p.desc).strip()
            ]
            returns = parsed["Returns"]
            if len(returns) > 1:
                bad += [
                    f"{module_name}.{label}: Returns entry {p.type!r}"
                    for p in returns
                    if not "".join(p.desc).strip()
                ]
    assert not bad, "\n".join(bad)
