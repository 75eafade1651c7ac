"""The layers of legame, declared once: a package imports its own layer and those below.

:data:`LAYERS` lists the layers from the top (the entry points) to the base; each holds
top-level packages and modules of ``legame`` with one line on what each holds. On top of
that, :data:`ONLY_IMPORTS` narrows what some packages may import, and no two packages may
import each other, directly or through others.

``tests/test_architecture.py`` reads every module's imports (those inside functions
included) and fails when the code breaks one of these rules; ``docs/architecture.md`` is
this declaration as Markdown, ``python -m legame.layers > docs/architecture.md`` rewrites
it and a test fails when the file is out of date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    """One layer: its name, what it is for, and its packages with a line on each."""

    name: str
    purpose: str
    packages: Mapping[str, str]


#: From the top to the base.
LAYERS: tuple[Layer, ...] = (
    Layer(
        "entry points",
        "what a user runs: the command line, and the end-to-end runs it starts",
        {
            "cli": "the `legame` command line",
            "demo": "`legame demo`: simulated data through every step, up to the report",
            "bench": "the benchmark behind `make bench`: lower bound, lifetimes reference, load",
        },
    ),
    Layer(
        "surfaces",
        "what a user reads and calls: each parses a request, calls the library and formats "
        "its answer",
        {
            "api": "the HTTP API: FastAPI app, routes, roles, one JSON error shape; "
            "it mounts the dashboard",
            "web": "the dashboard: pages, sign-in and sessions' cookies, CSRF, message "
            "catalogues, templates and charts (shared with the report)",
            "report": "the self-contained HTML report, drawn with the dashboard's templates",
        },
    ),
    Layer(
        "views",
        "what the surfaces show, as plain data: one function per page or endpoint",
        {"views": "overview, engagement, customers, findings"},
    ),
    Layer(
        "findings",
        "the seed articles' claims, tested on the workspace's data",
        {"insights": "one module per tested claim, one `Finding` type, saved findings"},
    ),
    Layer(
        "engagement",
        "contact that respects the customer",
        {
            "engage": "contact governor, message check, gratitude program, cases",
            "experiments": "tests planned before launch, read with CUPED and always-valid "
            "intervals, by segment; contact-frequency tests",
            "voices": "what customers say: survey comments and their languages, NPS, CSAT "
            "and churn by segment, channel and country",
        },
    ),
    Layer(
        "derived data",
        "data made with the measures: each customer's scores, and synthetic data to test "
        "the findings against",
        {
            "scoring": "`customer_scores`: RFM, segment, CLV, NPS, service, churn risk",
            "summary_plan": "how the per-customer summary is made: one pass over ranges of "
            "customer ids, or two group-bys",
            "kept_summary": "the per-customer summary kept from one score to the next, made "
            "again only for the customers whose orders changed",
            "covariates": "`clv fit --covariates`: covariates from the store's own tables, "
            "static and time-varying, and their effects",
            "simulate": "synthetic multi-source data with planted, known effects",
            "validation": "`clv validate`: forecasts checked on a holdout; the model "
            "`score --model auto` uses",
        },
    ),
    Layer(
        "measures",
        "the definitions every surface, finding and the simulator share",
        {"metrics": "NPS with its intervals, shared definitions, statistics"},
    ),
    Layer(
        "reading and computing",
        "data in, models fitted, queries run",
        {
            "ingest": "readers, validation, the customer-id rule, atomic idempotent load",
            "models": "BG/NBD, Pareto/NBD, Gamma-Gamma, shifted-beta-geometric, CLV, "
            "latent dropout with covariates",
            "engine": "where the SQL runs: DuckDB (default) or Spark",
        },
    ),
    Layer(
        "policy",
        "the workspace's rules",
        {"policy": "the policy file `legame.toml`: parsed, bounded and validated"},
    ),
    Layer(
        "store",
        "the workspace's DuckDB file",
        {"store": "canonical schema, migrations, workspace, API keys, dashboard sessions, erasure"},
    ),
    Layer(
        "base",
        "what every layer may use",
        {
            "errors": "the one exception tree",
            "sql": "every analytic query, written once in DuckDB SQL; quoting",
            "layers": "this declaration, and the text of `docs/architecture.md`",
            "words": "English words that depend on a count (`1 warning`, `2 warnings`)",
            "assign": "the seeded hash that puts a customer in a randomized test's arm",
            "arrow_numpy": "numeric columns between Arrow and NumPy without loading pandas",
        },
    ),
)

#: Packages that may import only these packages of legame, whatever their layer allows.
ONLY_IMPORTS: Mapping[str, frozenset[str]] = {"store": frozenset({"errors", "sql"})}


def level(package: str) -> int:
    """How high ``package``'s layer is: 0 for the base. KeyError when it is not declared."""
    for index, layer in enumerate(LAYERS):
        if package in layer.packages:
            return len(LAYERS) - 1 - index
    raise KeyError(package)


def packages() -> list[str]:
    """Every declared package, from the top layer down."""
    return [name for layer in LAYERS for name in layer.packages]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _drawing() -> list[str]:
    width = max(len(layer.name) for layer in LAYERS)
    rows = [f"{layer.name:>{width}} │ {'  '.join(layer.packages)}" for layer in LAYERS]
    return ["```text", *rows, "```"]


def _layer_section(number: int, layer: Layer) -> list[str]:
    lines = [f"## {number}. {_sentence(layer.name)}", "", f"{_sentence(layer.purpose)}.", ""]
    lines += ["| package | what it holds |", "|---|---|"]
    lines += [f"| `{name}` | {line} |" for name, line in layer.packages.items()]
    return [*lines, ""]


def architecture_markdown() -> str:
    """``docs/architecture.md``: the layers from the top down, what each holds."""
    lines = [
        "# Architecture: layers that point one way",
        "",
        "legame is built in layers. A package imports packages of its own layer and of the",
        "layers below it, never one above; no two packages import each other, directly or",
        "through others. `tests/test_architecture.py` reads the imports of every module",
        "(those inside functions included) and fails when one breaks these rules.",
        "",
        "The layers from the top down, with their packages:",
        "",
        *_drawing(),
        "",
    ]
    for name, allowed in ONLY_IMPORTS.items():
        names = " and ".join(f"`{other}`" for other in sorted(allowed))
        lines += [f"`{name}` imports nothing of legame but {names}.", ""]
    for number, layer in enumerate(LAYERS, start=1):
        lines += _layer_section(number, layer)
    lines += [
        "This page is generated from `legame/layers.py`, where the layers are declared:",
        "`python -m legame.layers > docs/architecture.md` rewrites it.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(architecture_markdown(), end="")
