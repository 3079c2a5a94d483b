"""Versioned model sets on disk, each with its provenance, signed, verified before loading, unable to run code.

Layout of a models directory (``models/`` for the default store, ``STORE/models``
for a named store)::

    ACTIVE                  the active version's name
    v0001/manifest.json     created_at, author, the store it was trained for, code and library versions,
                            training-data fingerprint, basis, years, features, champions, backtest
                            metrics, each artifact's sha256
    v0001/manifest.sig      HMAC-SHA256 of manifest.json with the store's key (``access/signing.key``)
    v0001/origin-1.skops    the calibrated candidates of origin quarter 1 ...
    v0001/accepted.json     only for a set trained elsewhere and accepted with ``--foreign``

Why skops and a signature: a pickle (joblib) runs whatever code its bytes name when it is loaded,
so a model file that anyone could replace would be a way to run code on the server. skops stores
the same objects as data and rebuilds only the types on an explicit allow-list (our estimators,
their calibration and scikit-learn's tree predictor); any other type is refused before loading.
The signature, with a key kept outside ``models/``, makes an edited manifest (its basis, its
artifacts' sha256) or a set copied from another store fail to load until an administrator accepts
it. A version is written to a hidden folder and renamed into place; ``load`` checks the signature,
each artifact's name and sha256, and an origin's file is deserialised on first use, after its
sha256 and types are checked again on the bytes read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import polars as pl

from forecast import config, formats
from forecast.access import signing
from forecast.durable import sha256_file
from forecast.errors import RegistryError
from forecast.labels import code, t
from forecast.model.models import Calibrated, Calibration

ACTIVE = "ACTIVE"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ACCEPTED = "accepted.json"
ARTIFACT = re.compile(r"^origin-[1-4]\.skops$")
VERSION = re.compile(r"^v[0-9]{4,6}$")
TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
LIBRARIES = ("forecast", "polars", "numpy", "scikit-learn", "statsmodels", "scipy", "skops")


def check_writable(root: Path) -> None:
    """Fail before a long training when the models folder cannot be written."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RegistryError(
            f"the models folder {root} cannot be written ({exc.strerror or exc}); nothing was "
            "trained. Choose a store you can write to."
        ) from exc


def library_versions() -> dict[str, str]:
    """The installed versions of the libraries a model set depends on (read once per process)."""
    return dict(_library_versions())


@functools.cache
def _library_versions() -> dict[str, str]:
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
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=config.ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


@dataclass
class ModelSet:
    """A loaded (or just trained) model set: per origin, the calibrated candidates and the champion."""

    version: str
    manifest: dict
    origins: Mapping[int, dict]  # origin -> {candidate: {target: Calibrated}}, loaded on first use

    @property
    def basis(self) -> str:
        return self.manifest["basis"]

    def champion(self, origin: int) -> str:
        return self.manifest["champions"][str(origin)]

    @property
    def metrics(self) -> pl.DataFrame:
        return pl.DataFrame(self.manifest["metrics"])

    def warnings(self, lang: str = "en") -> list[str]:
        """Library versions that differ from the ones the set was trained with."""
        now = library_versions()
        return [
            t("library_changed", lang).format(lib=lib, was=was, now=now.get(lib))
            for lib, was in self.manifest["libraries"].items()
            if lib != "forecast" and now.get(lib) != was
        ]


def versions(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and VERSION.match(p.name))


def active_version(root: Path) -> str | None:
    f = root / ACTIVE
    if not f.exists():
        return None
    name = f.read_text(encoding="utf-8").strip()
    return name or None


def trusted_types() -> list[str]:
    """The only types a saved set may hold: our estimators, their calibration, scikit-learn's trees."""
    from forecast.model.estimators import CANDIDATES  # noqa: PLC0415 - lazy: scikit-learn, statsmodels

    return sorted(
        {f"{c.__module__}.{c.__qualname__}" for c in (*CANDIDATES.values(), Calibrated, Calibration)} | {TREE_PREDICTOR}
    )


def _signed(root: Path, version: str, key: bytes) -> bool:
    folder = root / version
    try:
        return signing.verify(key, (folder / MANIFEST).read_bytes(), (folder / SIGNATURE).read_text("ascii"))
    except (OSError, ValueError):
        return False


def accepted(root: Path, version: str) -> dict | None:
    """Who accepted a set trained elsewhere, when, and for which store it was trained (None: native)."""
    path = root / version / ACCEPTED
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, ValueError):
        return None


def activate(root: Path, version: str, key: bytes, foreign: bool = False, by: dict | None = None) -> bool:
    """Make ``version`` the active model set (atomic); returns True when it was accepted as foreign.

    A set whose manifest this store's key does not sign (trained for another store, or edited) is
    refused unless ``foreign``: it is then accepted - signed with this key, with the acceptance kept
    beside it - and the caller records a warning in the audit trail.
    """
    if version not in versions(root):
        have = ", ".join(versions(root)) or "none"
        raise RegistryError(f"no model set {version!r} in {root}; versions there: {have}.")
    was_foreign = False
    if not _signed(root, version, key):
        if not foreign:
            raise RegistryError(
                f"model set {version} is not signed by this store: it was trained for another "
                "store or its manifest was edited after training. It was not activated. To use it "
                "anyway, an administrator accepts it explicitly as foreign."
            )
        folder = root / version
        manifest = read_manifest(root, version)
        note = {
            "accepted_by": (by or {}).get("user", ""),
            "accepted_at": _now(),
            "trained_for_store": manifest.get("store"),
            "training_fingerprint": manifest.get("training_fingerprint"),
        }
        try:
            (folder / ACCEPTED).write_text(json.dumps(note, indent=2, ensure_ascii=False), encoding="utf-8")
            (folder / SIGNATURE).write_text(signing.sign(key, (folder / MANIFEST).read_bytes()), encoding="ascii")
        except OSError as exc:
            raise _unwritable(root, exc) from exc
        was_foreign = True
    tmp = root / f".{ACTIVE}.{uuid.uuid4().hex}"
    try:
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, root / ACTIVE)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _unwritable(root, exc) from exc
    return was_foreign


def _unwritable(root: Path, exc: OSError) -> RegistryError:
    return RegistryError(
        f"the models folder {root} cannot be written ({exc.strerror or exc}; is the disk full or read-only?); "
        "the active model set did not change."
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def save(root: Path, origins: dict[int, dict], manifest: dict, key: bytes, make_active: bool = True) -> ModelSet:
    """Write a new version (one skops artifact per origin, the manifest and its signature); returns it."""
    import skops.io as sio  # noqa: PLC0415 - lazy: skops

    root.mkdir(parents=True, exist_ok=True)
    have = versions(root)
    version = f"v{int(have[-1][1:]) + 1 if have else 1:04d}"
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        artifacts = {}
        for q, fitted in origins.items():
            name = f"origin-{q}.skops"
            sio.dump(fitted, tmp / name, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
            artifacts[name] = sha256_file(tmp / name)
        manifest = {
            "version": version,
            "created_at": _now(),
            "code_version": code_version(),
            "libraries": library_versions(),
            "format": "skops",
            **manifest,
            "artifacts": artifacts,
        }
        data = json.dumps(manifest, indent=2, ensure_ascii=False, default=str).encode("utf-8")
        (tmp / MANIFEST).write_bytes(data)
        (tmp / SIGNATURE).write_text(signing.sign(key, data), encoding="ascii")
        os.rename(tmp, root / version)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RegistryError(f"could not write a model set to {root} ({exc}); nothing was saved.") from exc
    if make_active:
        activate(root, version, key)
    return ModelSet(version, manifest, origins)


def read_manifest(root: Path, version: str) -> dict:
    path = root / version / MANIFEST
    if not path.exists():
        raise RegistryError(f"model set {version} in {root} has no {MANIFEST}; it cannot be trusted.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegistryError(f"{path} cannot be read ({exc}); the model set cannot be trusted.") from exc


def load(root: Path, key: bytes | None, version: str | None = None) -> ModelSet | None:
    """The given (or active) model set after checking its signature and every artifact's name and sha256;
    None if there is none. An origin's models are deserialised when first used, after their sha256
    and types are checked again on the very bytes that are read."""
    version = version or active_version(root)
    if version is None:
        return None
    if version not in versions(root):
        raise RegistryError(
            f"the active model set {version!r} is missing from {root}; choose another version or retrain."
        )
    if key is None or not _signed(root, version, key):
        raise RegistryError(
            f"model set {version} in {root} is not signed by this store (trained for another store, "
            "or its manifest was edited after training); it will not be loaded. Retrain, or have an "
            "administrator accept it as foreign."
        )
    manifest = read_manifest(root, version)
    if manifest.get("format") != "skops":
        raise RegistryError(
            f"model set {version} was saved in an older format (pickle), which can run code when "
            "loaded; it will not be loaded. Retrain to save it in the current format."
        )
    folder = (root / version).resolve()
    paths: dict[int, Path] = {}
    for name, expected in manifest["artifacts"].items():
        path = (folder / name).resolve()
        if not ARTIFACT.match(name) or path.parent != folder:
            raise RegistryError(
                f"model set {version}: artifact name {name!r} is not allowed (origin-1.skops to "
                "origin-4.skops inside the set's folder); the set will not be loaded."
            )
        if not path.exists():
            raise RegistryError(f"{path} is missing; retrain.")
        _check_sha(path, path.read_bytes(), expected)
        paths[int(name.split("-")[1].split(".")[0])] = path
    return ModelSet(version, manifest, _Origins(paths, {p.name: manifest["artifacts"][p.name] for p in paths.values()}))


def _check_sha(path: Path, data: bytes, expected: str) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        raise RegistryError(
            f"{path}: sha256 {got[:12]}… does not match the manifest ({expected[:12]}…); "
            "the file was changed after training and will not be loaded. Retrain or activate "
            "another version."
        )


class _Origins(Mapping[int, dict]):
    """A set's origins, each deserialised on first use (a projection at Q2 needs only origin 2's models).

    The bytes that are deserialised are the bytes whose sha256 and types are checked, so a file
    replaced after ``load`` is refused, not run."""

    def __init__(self, paths: dict[int, Path], sha256: dict[str, str]):
        self._paths = paths
        self._sha256 = sha256
        self._loaded: dict[int, dict] = {}
        self._lock = threading.Lock()

    def __getitem__(self, origin: int) -> dict:
        with self._lock:
            if origin not in self._loaded:
                self._loaded[origin] = self._load(self._paths[origin])
            return self._loaded[origin]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._paths))

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, origin: object) -> bool:
        return origin in self._paths

    def _load(self, path: Path) -> dict:
        import skops.io as sio  # noqa: PLC0415 - lazy: skops

        data = path.read_bytes()
        _check_sha(path, data, self._sha256[path.name])
        allowed = set(trusted_types())
        try:
            extra = set(sio.get_untrusted_types(data=data)) - allowed
        except Exception as exc:
            raise RegistryError(f"{path} cannot be read as a model file ({type(exc).__name__}); retrain.") from exc
        if extra:
            raise RegistryError(
                f"{path} holds types that a model set never holds ({', '.join(sorted(extra))}); it will not be loaded."
            )
        return sio.loads(data, trusted=sorted(allowed))


def listing(root: Path, key: bytes | None = None, lang: str | None = None, era: str = "BE") -> pl.DataFrame:
    """One row per saved version: when, by whom, on what, champions, backtest error and whether this
    store's key signs it (``key`` given); as recorded, or for people in ``lang`` (the moment written out,
    the basis, models and signature in words)."""

    def say(kind: str, value, **kw) -> str:  # the English words are the recorded codes
        return t(f"{kind}:{value}", lang or "en").format(**kw) if kw else code(kind, value, lang or "en")

    active = active_version(root)
    rows = []
    for v in versions(root):
        try:
            m = read_manifest(root, v)
        except RegistryError as exc:
            rows.append(
                {
                    "version": v,
                    "active": v == active,
                    "created_at": "",
                    "author": "",
                    "basis": f"unreadable: {exc}" if lang is None else t("unreadable", lang).format(e=exc),
                    "years": "",
                    "rows": None,
                    "champions": "",
                    "mae_disbursed_pp": "",
                    "kpi_model": "",
                    "signature": "",
                }
            )
            continue
        metrics = (
            pl.DataFrame(m["metrics"]).filter(pl.col("is_champion")).sort("origin_quarter")
            if m.get("metrics")
            else pl.DataFrame({"origin_quarter": [], "mae_disbursed_pp": []})
        )
        k = m.get("kpi") or {}
        kpi_model = (
            f"{say('model', k.get('champion'))} (Brier {(k.get('brier') or {}).get(k.get('champion'), float('nan')):.3f})"
            if k.get("trained")
            else "rules (no KPI history)"
            if lang is None
            else t("kpi_rules_only", lang)
        )
        taken = accepted(root, v)
        signature = (
            ""
            if key is None
            else (
                say("signature", "not signed")
                if not _signed(root, v, key)
                else say("signature", "foreign", who=taken.get("accepted_by") or "?")
                if taken
                else say("signature", "signed")
            )
        )
        rows.append(
            {
                "version": v,
                "active": v == active,
                "created_at": m["created_at"] if lang is None else formats.moment(m["created_at"], lang, era),
                "author": (m.get("author") or {}).get("user", ""),
                "basis": say("basis", m["basis"]),
                "years": f"{min(m['years'])}-{max(m['years'])}" if m.get("years") else "",
                "rows": m.get("rows"),
                "champions": ", ".join(f"Q{q}: {say('model', c)}" for q, c in sorted(m["champions"].items())),
                "mae_disbursed_pp": ", ".join(
                    f"Q{r['origin_quarter']}: {r['mae_disbursed_pp']:.2f}" for r in metrics.iter_rows(named=True)
                ),
                "kpi_model": kpi_model,
                "signature": signature,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "version": pl.String,
            "active": pl.Boolean,
            "created_at": pl.String,
            "author": pl.String,
            "basis": pl.String,
            "years": pl.String,
            "rows": pl.Int64,
            "champions": pl.String,
            "mae_disbursed_pp": pl.String,
            "kpi_model": pl.String,
            "signature": pl.String,
        },
    )
