"""Versioned model sets on disk, each with its provenance, verified before loading.

Layout of a models directory (``models/`` for the default store, ``STORE/models``
for a named store)::

    ACTIVE                  the active version's name
    v0001/manifest.json     created_at, code and library versions, training-data fingerprint,
                            basis, years, features, champions, backtest metrics, artifact sha256
    v0001/origin-1.joblib   the calibrated candidates of origin quarter 1 ...

A version is written to a hidden folder and renamed into place; ``load`` recomputes
every artifact's sha256 and refuses a file that does not match its manifest before
``joblib.load`` ever sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import joblib
import polars as pl

from forecast import config
from forecast.data.vintages import sha256_file
from forecast.errors import RegistryError

ACTIVE = "ACTIVE"
MANIFEST = "manifest.json"
LIBRARIES = ("forecast", "polars", "numpy", "scikit-learn", "statsmodels", "scipy", "joblib")
BASES = ("history", "synthetic history", "no history")


def check_writable(root: Path) -> None:
    """Fail before a long training when the models folder cannot be written."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RegistryError(f"the models folder {root} cannot be written ({exc.strerror or exc}); nothing was "
                            "trained. Choose a store you can write to.") from exc


def library_versions() -> dict[str, str]:
    out = {}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "unknown"
    return out


def code_version() -> str:
    """Package version plus the git commit of the working tree, when there is one."""
    version = library_versions()["forecast"]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=config.ROOT, capture_output=True,
                                text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


@dataclass
class ModelSet:
    """A loaded (or just trained) model set: per origin, the calibrated candidates and the champion."""

    version: str
    manifest: dict
    origins: dict[int, dict]  # origin -> {candidate: {target: Calibrated}}

    @property
    def basis(self) -> str:
        return self.manifest["basis"]

    def champion(self, origin: int) -> str:
        return self.manifest["champions"][str(origin)]

    @property
    def metrics(self) -> pl.DataFrame:
        return pl.DataFrame(self.manifest["metrics"])

    def warnings(self) -> list[str]:
        """Library versions that differ from the ones the set was trained with."""
        now = library_versions()
        return [f"{lib} {was} at training, {now.get(lib)} now" for lib, was in self.manifest["libraries"].items()
                if lib != "forecast" and now.get(lib) != was]


def _versions(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("v") and p.name[1:].isdigit())


def active_version(root: Path) -> str | None:
    f = root / ACTIVE
    if not f.exists():
        return None
    name = f.read_text(encoding="utf-8").strip()
    return name or None


def activate(root: Path, version: str) -> None:
    """Make ``version`` the active model set (atomic)."""
    if version not in _versions(root):
        have = ", ".join(_versions(root)) or "none"
        raise RegistryError(f"no model set {version!r} in {root}; versions there: {have}.")
    tmp = root / f".{ACTIVE}.{uuid.uuid4().hex}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / ACTIVE)


def save(root: Path, origins: dict[int, dict], manifest: dict, make_active: bool = True) -> ModelSet:
    """Write a new version with one joblib artifact per origin and its manifest; returns it."""
    root.mkdir(parents=True, exist_ok=True)
    have = _versions(root)
    version = f"v{int(have[-1][1:]) + 1 if have else 1:04d}"
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        artifacts = {}
        for q, fitted in origins.items():
            name = f"origin-{q}.joblib"
            joblib.dump(fitted, tmp / name, compress=3)
            artifacts[name] = sha256_file(tmp / name)
        manifest = {"version": version,
                    "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "code_version": code_version(), "libraries": library_versions(), **manifest,
                    "artifacts": artifacts}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str),
                                    encoding="utf-8")
        os.rename(tmp, root / version)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RegistryError(f"could not write a model set to {root} ({exc}); nothing was saved.") from exc
    if make_active:
        activate(root, version)
    return ModelSet(version, manifest, origins)


def read_manifest(root: Path, version: str) -> dict:
    path = root / version / MANIFEST
    if not path.exists():
        raise RegistryError(f"model set {version} in {root} has no {MANIFEST}; it cannot be trusted.")
    return json.loads(path.read_text(encoding="utf-8"))


def load(root: Path, version: str | None = None) -> ModelSet | None:
    """The given (or active) model set, after checking every artifact's sha256; None if there is none."""
    version = version or active_version(root)
    if version is None:
        return None
    if version not in _versions(root):
        raise RegistryError(f"the active model set {version} is missing from {root}; choose another with "
                            "`forecast models --activate VERSION` or retrain with `forecast train`.")
    manifest = read_manifest(root, version)
    origins = {}
    for name, expected in manifest["artifacts"].items():
        path = root / version / name
        if not path.exists():
            raise RegistryError(f"{path} is missing; retrain with `forecast train`.")
        got = sha256_file(path)
        if got != expected:
            raise RegistryError(f"{path}: sha256 {got[:12]}… does not match the manifest ({expected[:12]}…); "
                                "the file was changed after training and will not be loaded. Retrain with "
                                "`forecast train` or activate another version.")
        origins[int(name.split("-")[1].split(".")[0])] = joblib.load(path)
    return ModelSet(version, manifest, origins)


def listing(root: Path) -> pl.DataFrame:
    """One row per saved version: when, on what, champions and their backtest error."""
    active = active_version(root)
    rows = []
    for v in _versions(root):
        try:
            m = read_manifest(root, v)
        except (RegistryError, json.JSONDecodeError) as exc:
            rows.append({"version": v, "active": v == active, "created_at": "", "basis": f"unreadable: {exc}",
                         "years": "", "rows": None, "champions": "", "mae_disbursed_pp": ""})
            continue
        metrics = pl.DataFrame(m["metrics"]).filter(pl.col("is_champion")).sort("origin_quarter")
        rows.append({
            "version": v, "active": v == active, "created_at": m["created_at"], "basis": m["basis"],
            "years": f"{min(m['years'])}-{max(m['years'])}", "rows": m.get("rows"),
            "champions": ", ".join(f"Q{q}: {c}" for q, c in sorted(m["champions"].items())),
            "mae_disbursed_pp": ", ".join(f"Q{r['origin_quarter']}: {r['mae_disbursed_pp']:.2f}"
                                          for r in metrics.iter_rows(named=True)),
        })
    return pl.DataFrame(rows, schema={"version": pl.String, "active": pl.Boolean, "created_at": pl.String,
                                      "basis": pl.String, "years": pl.String, "rows": pl.Int64,
                                      "champions": pl.String, "mae_disbursed_pp": pl.String})
