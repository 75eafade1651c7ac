"""The reference: the lifetimes pipeline, in a virtual environment of its own.

:func:`ensure_venv` creates ``bench/.lifetimes-venv`` (``python -m venv``, then pip from
PyPI) with the pins below, once; :func:`run_lifetimes` runs ``lifetimes_pipeline.py`` there
as a subprocess on the same Parquet file, watching its resident memory (psutil, every
0.1 s, children included; :func:`watch`) and stopping it at the time limit or the memory
cap, which is then recorded instead of a time. :mod:`legame.bench.pymc_reference` builds
and watches PyMC-Marketing's venv the same way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psutil

from legame.errors import BenchError

#: What lifetimes 0.11.3 runs with on Python 3.11: it imports ``pkg_resources`` (gone from
#: setuptools 81) and its calibration/holdout helper fails on pandas 3.
PINS = ("lifetimes==0.11.3", "setuptools<81", "pandas>=2.2,<3", "pyarrow>=14")
SCRIPT = Path(__file__).with_name("lifetimes_pipeline.py")
TIME_LIMIT_S = 15 * 60


@dataclass
class Reference:
    """One run of the lifetimes pipeline."""

    status: str  # ok, timeout, memory cap, failed: ..., skipped
    seconds: float | None = None  # summary + fits + predictions (reading the file apart)
    read_seconds: float | None = None
    steps_s: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    params: dict[str, float] = field(default_factory=dict)
    spend_params: dict[str, float] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    predictions: Path | None = None


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def ensure_venv(
    venv: Path,
    *,
    pins: tuple[str, ...] = PINS,
    label: str = "lifetimes",
    flag: str = "--no-lifetimes",
    log: Any = None,
) -> Path:
    """The venv's Python, creating the venv with ``pins`` (pip, from PyPI) when it is
    missing or was built with other pins; ``label`` and ``flag`` (the option that skips it)
    name it in the error when it cannot be built."""
    python = venv_python(venv)
    stamp = venv / ".legame-pins"
    if python.exists() and stamp.exists() and stamp.read_text() == "\n".join(pins):
        return python
    if log:
        log(f"creating {venv} with {', '.join(pins)} (pip, from PyPI)")
    shutil.rmtree(venv, ignore_errors=True)
    for cmd in (
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(python), "-m", "pip", "install", "--quiet", *pins],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise BenchError(
                f"could not build the {label} venv in {venv} ({' '.join(cmd)}): "
                f"{tail}. Check the network access to PyPI, or run the bench "
                f"with {flag}."
            )
    stamp.write_text("\n".join(pins))
    return python


def watch(
    cmd: list[str],
    *,
    time_limit_s: float,
    memory_cap_mb: float | None,
    env: dict[str, str] | None = None,
) -> tuple[str, float, str]:
    """Run ``cmd``, sampling its resident memory (children included) every 0.1 s; stop it
    at the time limit or the memory cap. Returns the status (``ok``, ``timeout (...)``,
    ``memory cap (...)``, ``failed: <last line of stderr>``), the peak in MiB and stderr."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    watched = psutil.Process(proc.pid)
    started, peak, status = time.perf_counter(), 0.0, "ok"
    while proc.poll() is None:
        peak = max(peak, _rss_mb(watched))
        if time.perf_counter() - started > time_limit_s:
            status = f"timeout (over {time_limit_s / 60:.0f} min)"
        elif memory_cap_mb is not None and peak > memory_cap_mb:
            status = f"memory cap (over {memory_cap_mb / 1024:.1f} GiB)"
        if status != "ok":
            proc.kill()
            proc.communicate()
            return status, round(peak, 1), ""
        time.sleep(0.1)
    _, err = proc.communicate()
    if proc.returncode != 0:
        last = (err.strip().splitlines() or ["no output"])[-1]
        return f"failed: {last}", round(peak, 1), err
    return "ok", round(peak, 1), err


def run_lifetimes(
    python: Path,
    parquet: Path,
    until: date,
    out: Path,
    *,
    horizon_days: int = 365,
    time_limit_s: float = TIME_LIMIT_S,
    memory_cap_mb: float | None = None,
) -> Reference:
    """Run the pipeline on ``parquet``; ``memory_cap_mb`` stops it before it can exhaust a
    shared machine's memory (recorded as ``memory cap``)."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(python),
        str(SCRIPT),
        "--parquet",
        str(parquet),
        "--until",
        until.isoformat(),
        "--horizon-days",
        str(horizon_days),
        "--out",
        str(out),
    ]
    status, peak, _ = watch(cmd, time_limit_s=time_limit_s, memory_cap_mb=memory_cap_mb)
    if status != "ok":
        return Reference(status=status, peak_rss_mb=peak)
    report = json.loads((out / "timings.json").read_text())
    return Reference(
        status="ok",
        seconds=round(report["pipeline_s"], 3),
        read_seconds=round(report["steps_s"]["read"], 3),
        steps_s={k: round(v, 3) for k, v in report["steps_s"].items()},
        peak_rss_mb=round(max(peak, report["peak_rss_mb"]), 1),
        params=report["params"],
        spend_params=report["spend_params"],
        versions=report["versions"],
        predictions=out / "predictions.parquet",
    )


def _rss_mb(process: psutil.Process) -> float:
    try:
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            total += child.memory_info().rss
    except psutil.Error:
        return 0.0
    return total / 2**20
