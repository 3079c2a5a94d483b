"""Versioned model sets on disk, each with its provenance, signed, verified before loading, unable to run code.

Layout of a models directory (``models/`` for the default store, ``STORE/models``
for a named store)::

    ACTIVE                  the active version's name
    v0001/manifest.json     created_at, author, the store it was trained for, code and library versions,
                            training-data fingerprint, basis, years, features, champions, backtest
                            metrics, each artifact's sha256
    v0001/manifest.sig      HMAC-SHA256 of manifest.json with the store's key (``access/signing.key``)
    v0001/origin-1.skops    the calibrated candidates of origin quarter 1 ...
    v0001/accepted.json     only for a set trained elsewhere and accepted with ``--foreign``: who, when,
                            and the basis this store derived for it (signed with the manifest)

Why skops and a signature: a pickle (joblib) runs whatever code its bytes name when it is loaded,
so a model file that anyone could replace would be a way to run code on the server. skops stores
the same objects as data; ``vetting`` lets it rebuild only the types of ``vetting.TRUSTED_TYPES``
and checks every gradient-boosting tree against its shapes before it can predict (see there).
The signature, with a key kept outside ``models/``, makes an edited manifest (its basis, its
artifacts' sha256) or a set copied from another store fail to load until an administrator accepts
it. A version is written to a hidden folder and renamed into place; ``load`` checks the signature,
each artifact's name and sha256, and an origin's file is deserialised on first use, after its
sha256, types and trees are checked again on the bytes read.

Activation is atomic: ``activate`` loads the whole set and projects synthetic rows in a child
process (``vetting.probe``) before anything is written, so a set that cannot load or predict is
refused and ACTIVE, the signature and the acceptance stay as they were. A set accepted as foreign
is labelled so wherever its numbers appear: its basis is not its manifest's claim but what this
store can verify (``foreign_basis``): "foreign: history" only when its training fingerprint is
this store's own history, "foreign: synthetic history" when it says it was simulated, else
"foreign (unverified)".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import polars as pl

from forecast import config, formats
from forecast.access import signing
from forecast.data.snapshot import HISTORY, SYNTHETIC
from forecast.durable import sha256_bytes
from forecast.errors import RegistryError
from forecast.labels import code, t
from forecast.model import vetting

ACTIVE = "ACTIVE"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ACCEPTED = "accepted.json"
ARTIFACT = re.compile(r"^origin-[1-4]\.skops$")
VERSION = re.compile(r"^v[0-9]{4,6}$")
# the basis of a set trained for another store: never its manifest's word, what this store can check
FOREIGN = "foreign"
FOREIGN_HISTORY = f"{FOREIGN}: {HISTORY}"  # its training fingerprint is this store's own history
FOREIGN_SYNTHETIC = f"{FOREIGN}: {SYNTHETIC}"  # it says it was trained on simulated data
FOREIGN_UNVERIFIED = "foreign (unverified)"  # trained elsewhere, on data this store cannot vouch for
LIBRARIES = ("forecast", "polars", "numpy", "scikit-learn", "statsmodels", "scipy", "skops")


def _try_write(root: Path) -> None:
    """Create and delete an empty file in ``root`` (OSError when the folder cannot be written)."""
    root.mkdir(parents=True, exist_ok=True)
    probe = root / f".probe-{uuid.uuid4().hex}"
    probe.write_bytes(b"")
    probe.unlink()


def check_writable(root: Path) -> None:
    """Fail before a long training when the models folder cannot be written."""
    try:
        _try_write(root)
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
    """A loaded (or just trained) model set: per origin, the calibrated candidates and the champion.

    For a set accepted as foreign, ``manifest["basis"]`` (and its KPI section's) is the basis this store
    derived (``foreign_basis``), and ``manifest["claimed_basis"]`` what the set said of itself."""

    version: str
    manifest: dict
    origins: Mapping[int, dict]  # origin -> {candidate: {target: Calibrated}}, loaded on first use
    foreign: bool = False

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


def is_foreign(basis: object) -> bool:
    """Whether a basis is that of a set trained elsewhere ("foreign: history", "foreign (unverified)", ...)."""
    return isinstance(basis, str) and basis.startswith(FOREIGN)


def underlying(basis: str) -> str | None:
    """The basis of a (foreign) set's training data where it is known (history, synthetic history), else None."""
    return {FOREIGN_HISTORY: HISTORY, FOREIGN_SYNTHETIC: SYNTHETIC, HISTORY: HISTORY, SYNTHETIC: SYNTHETIC}.get(basis)


def foreign_basis(manifest: dict, verified: str | None = None) -> str:
    """The basis of a set trained elsewhere, from what this store can check rather than from its manifest.

    ``verified`` is the provenance of this store's own history when the set's training fingerprint is that
    history's ("foreign: history" or "foreign: synthetic history"). Otherwise only a claim against the set's
    interest is taken: a set saying it was trained on simulated data is "foreign: synthetic history"; any
    other claim cannot be verified here ("foreign (unverified)")."""
    if verified in (HISTORY, SYNTHETIC):
        return FOREIGN_HISTORY if verified == HISTORY else FOREIGN_SYNTHETIC
    kpi = manifest.get("kpi") if isinstance(manifest.get("kpi"), dict) else {}
    if SYNTHETIC in (manifest.get("basis"), (kpi or {}).get("basis")):
        return FOREIGN_SYNTHETIC
    return FOREIGN_UNVERIFIED


def _as_accepted(manifest: dict, note: dict | None) -> dict:
    """A foreign set's manifest as this store reads it: the basis it derived at acceptance (unverified when the
    acceptance is not signed), the set's own claim kept as ``claimed_basis``."""
    basis = (note or {}).get("basis")
    if basis not in (FOREIGN_HISTORY, FOREIGN_SYNTHETIC, FOREIGN_UNVERIFIED):
        basis = foreign_basis(manifest)
    out = {**manifest, "basis": basis, "claimed_basis": manifest.get("basis"), FOREIGN: True}
    kpi = manifest.get("kpi")
    if isinstance(kpi, dict):
        out["kpi"] = {
            **kpi,
            "basis": FOREIGN_SYNTHETIC if kpi.get("basis") == SYNTHETIC else basis,
            "claimed_basis": kpi.get("basis"),
        }
    return out


NATIVE = "native"


def _acceptance(manifest: bytes, note: bytes) -> bytes:
    """What a foreign set's signature covers: its manifest and the acceptance beside it, together."""
    return b"\n".join(
        [
            b"forecast model set accepted as foreign",
            hashlib.sha256(manifest).hexdigest().encode(),
            hashlib.sha256(note).hexdigest().encode(),
        ]
    )


def _trust(root: Path, version: str, key: bytes | None) -> tuple[str | None, dict | None]:
    """(NATIVE, None) for a set this store's key signs, (FOREIGN, acceptance) for one it accepted, (None, None)
    for any other. An acceptance signed before it was covered by the signature reads as unverified."""
    folder = root / version
    if key is None:
        return None, None
    try:
        manifest, sig = (folder / MANIFEST).read_bytes(), (folder / SIGNATURE).read_text("ascii")
        note = (folder / ACCEPTED).read_bytes() if (folder / ACCEPTED).exists() else None
        if note is None:
            return (NATIVE, None) if signing.verify(key, manifest, sig) else (None, None)
        if signing.verify(key, _acceptance(manifest, note), sig):
            return FOREIGN, json.loads(note.decode("utf-8"))
        return (FOREIGN, None) if signing.verify(key, manifest, sig) else (None, None)
    except (OSError, ValueError):
        return None, None


def _signed(root: Path, version: str, key: bytes) -> bool:
    return _trust(root, version, key)[0] is not None


def accepted(root: Path, version: str) -> dict | None:
    """Who accepted a set trained elsewhere, when, for which store it was trained and the basis this store
    derived for it (None: native)."""
    path = root / version / ACCEPTED
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, ValueError):
        return None


def activate(
    root: Path,
    version: str,
    key: bytes,
    foreign: bool = False,
    by: dict | None = None,
    verify: Callable[[str], str | None] | None = None,
) -> bool:
    """Make ``version`` the active model set (atomic); returns True when it was accepted as foreign.

    The whole set is loaded and projects synthetic rows in a child process first (``vetting.probe``): a
    set that cannot load or predict is refused, and nothing is written (a models folder that cannot be
    written is refused before that check). A set whose manifest this store's key does not sign (trained
    for another store, or edited) is refused unless ``foreign``: it is then accepted - its acceptance kept
    beside it with the basis derived by ``foreign_basis`` (``verify`` gives this store's provenance of a
    training fingerprint that is its own history), and both signed with this key - and the caller records
    a warning in the audit trail.
    """
    if version not in versions(root):
        have = ", ".join(versions(root)) or "none"
        raise RegistryError(f"no model set {version!r} in {root}; versions there: {have}.")
    trust, _ = _trust(root, version, key)
    if trust is None and not foreign:
        raise RegistryError(
            f"model set {version} is not signed by this store: it was trained for another "
            "store or its manifest was edited after training. It was not activated. To use it "
            "anyway, an administrator accepts it explicitly as foreign."
        )
    folder = root / version
    try:
        manifest = read_manifest(root, version)
        paths = _artifacts(root, version, manifest)
        for path in paths.values():
            vetting.audit(path.read_bytes(), path)  # the types first, in this process: nothing is rebuilt
        champions = manifest.get("champions")
        if not isinstance(champions, dict) or set(map(str, paths)) != set(map(str, champions)):
            raise RegistryError(
                f"model set {version}: its champions ({champions!r}) do not name one candidate for each of its "
                f"origins ({', '.join(f'Q{q}' for q in sorted(paths)) or 'none'})."
            )
        if paths:
            try:  # a store that cannot take the switch says so before the probe's seconds
                _try_write(root)
            except OSError as exc:
                raise _unwritable(root, exc) from exc
            vetting.probe(folder, {p.name: manifest["artifacts"][p.name] for p in paths.values()}, champions)
    except RegistryError as exc:
        now = active_version(root)
        raise RegistryError(
            f"{exc} Model set {version} was not activated; the active set is still {now or 'none'}."
        ) from exc
    if trust is None:
        note = {
            "accepted_by": (by or {}).get("user", ""),
            "accepted_at": _now(),
            "trained_for_store": manifest.get("store"),
            "training_fingerprint": manifest.get("training_fingerprint"),
            "claimed_basis": manifest.get("basis"),
            "basis": foreign_basis(manifest, verify(str(manifest.get("training_fingerprint"))) if verify else None),
        }
        data = json.dumps(note, indent=2, ensure_ascii=False).encode("utf-8")
        try:
            _replace(folder / ACCEPTED, data)
            _replace(
                folder / SIGNATURE, signing.sign(key, _acceptance((folder / MANIFEST).read_bytes(), data)).encode()
            )
        except OSError as exc:
            raise _unwritable(root, exc) from exc
    try:
        _point(root, version)
    except OSError as exc:
        raise _unwritable(root, exc) from exc
    return trust is None


def _replace(path: Path, data: bytes) -> None:
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _point(root: Path, version: str) -> None:
    """ACTIVE names ``version`` (one rename: a reader sees the old name or the new one)."""
    _replace(root / ACTIVE, (version + "\n").encode("utf-8"))


def _unwritable(root: Path, exc: OSError) -> RegistryError:
    return RegistryError(
        f"the models folder {root} cannot be written ({exc.strerror or exc}; is the disk full or read-only?); "
        "the active model set did not change."
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class _IndexedZip(zipfile.ZipFile):
    """A zip whose ``namelist()`` is its names' dict: skops asks it once per array it writes (to write an array
    shared by two models once), and a list rebuilt each time is quadratic in the arrays of a set."""

    def namelist(self):
        return self.NameToInfo.keys()


def _skops_bytes(obj: object) -> bytes:
    """``skops.io.dumps(obj)``, deflated, in linear time and with a compact schema: the same steps as skops'
    own ``_save`` (skops 0.16) with ``_IndexedZip`` and ``json.dumps`` without indentation. Writing an origin
    of ~7,600 arrays takes ~1.1 s instead of ~4.9 s; the bytes load with ``skops.io.loads`` as skops' own do."""
    import skops  # noqa: PLC0415 - lazy: skops
    from skops.io._utils import SaveContext, get_state  # noqa: PLC0415 - lazy: skops

    buffer = io.BytesIO()
    with _IndexedZip(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        context = SaveContext(zip_file=archive)
        state = get_state(obj, context)
        context.clear_memo()
        state["protocol"] = context.protocol
        state["_skops_version"] = skops.__version__
        archive.writestr("schema.json", json.dumps(state, separators=(",", ":")))
    return buffer.getvalue()


def save(root: Path, origins: dict[int, dict], manifest: dict, key: bytes, make_active: bool = True) -> ModelSet:
    """Write a new version (one skops artifact per origin, the manifest and its signature); returns it.

    Each origin's models pass ``vetting.check_origin`` before they are written and the written bytes pass
    ``vetting.audit``, so a set this product saves is one it can load."""
    root.mkdir(parents=True, exist_ok=True)
    have = versions(root)
    version = f"v{int(have[-1][1:]) + 1 if have else 1:04d}"
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        artifacts = {}
        for q, fitted in origins.items():
            name = f"origin-{q}.skops"
            vetting.check_origin(fitted, f"origin {q} of the new model set")
            data = _skops_bytes(fitted)
            vetting.audit(data, f"origin {q} of the new model set")
            (tmp / name).write_bytes(data)
            artifacts[name] = sha256_bytes(data)
            vetting.remember(artifacts[name], fitted)  # the review kept after training reads it back at once
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
    except (OSError, RegistryError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, RegistryError):
            raise
        raise RegistryError(f"could not write a model set to {root} ({exc}); nothing was saved.") from exc
    if make_active:
        _point(root, version)  # its models were checked in memory and its files as written
    return ModelSet(version, manifest, origins)


def read_manifest(root: Path, version: str) -> dict:
    path = root / version / MANIFEST
    if not path.exists():
        raise RegistryError(f"model set {version} in {root} has no {MANIFEST}; it cannot be trusted.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegistryError(f"{path} cannot be read ({exc}); the model set cannot be trusted.") from exc
    if not isinstance(manifest, dict):
        raise RegistryError(f"{path} is not a model set's manifest; the model set cannot be trusted.")
    return manifest


def _artifacts(root: Path, version: str, manifest: dict) -> dict[int, Path]:
    """Each origin's file, after its name and sha256 are checked against the manifest."""
    if manifest.get("format") != "skops":
        raise RegistryError(
            f"model set {version} was saved in an older format (pickle), which can run code when "
            "loaded; it will not be loaded. Retrain to save it in the current format."
        )
    folder = (root / version).resolve()
    paths: dict[int, Path] = {}
    artifacts = manifest.get("artifacts")
    if not isinstance(artifacts, dict):
        raise RegistryError(f"model set {version}: its manifest lists no artifacts; the set will not be loaded.")
    for name, expected in artifacts.items():
        path = (folder / name).resolve()
        if not ARTIFACT.match(name) or path.parent != folder:
            raise RegistryError(
                f"model set {version}: artifact name {name!r} is not allowed (origin-1.skops to "
                "origin-4.skops inside the set's folder); the set will not be loaded."
            )
        if not path.exists():
            raise RegistryError(f"{path} is missing; retrain.")
        vetting.check_sha(path, path.read_bytes(), str(expected))
        paths[int(name.split("-")[1].split(".")[0])] = path
    return paths


def load(root: Path, key: bytes | None, version: str | None = None) -> ModelSet | None:
    """The given (or active) model set after checking its signature and every artifact's name and sha256;
    None if there is none. An origin's models are deserialised when first used, after their sha256,
    types and trees are checked again on the very bytes that are read."""
    version = version or active_version(root)
    if version is None:
        return None
    if version not in versions(root):
        raise RegistryError(
            f"the active model set {version!r} is missing from {root}; choose another version or retrain."
        )
    trust, note = _trust(root, version, key)
    if trust is None:
        raise RegistryError(
            f"model set {version} in {root} is not signed by this store (trained for another store, "
            "or its manifest was edited after training); it will not be loaded. Retrain, or have an "
            "administrator accept it as foreign."
        )
    manifest = read_manifest(root, version)
    if trust == FOREIGN:
        manifest = _as_accepted(manifest, note)
    paths = _artifacts(root, version, manifest)
    sha = {p.name: manifest["artifacts"][p.name] for p in paths.values()}
    return ModelSet(version, manifest, _Origins(paths, sha), foreign=trust == FOREIGN)


class _Origins(Mapping[int, dict]):
    """A set's origins, each deserialised on first use (a projection at Q2 needs only origin 2's models).

    The bytes that are deserialised are the bytes whose sha256, types and trees are checked
    (``vetting.read_artifact``), so a file replaced after ``load`` is refused, not run."""

    def __init__(self, paths: dict[int, Path], sha256: dict[str, str]):
        self._paths = paths
        self._sha256 = sha256
        self._loaded: dict[int, dict] = {}
        self._lock = threading.Lock()

    def __getitem__(self, origin: int) -> dict:
        with self._lock:
            if origin not in self._loaded:
                path = self._paths[origin]
                self._loaded[origin] = vetting.read_artifact(path, self._sha256[path.name])
            return self._loaded[origin]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._paths))

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, origin: object) -> bool:
        return origin in self._paths


LISTING_SCHEMA = {
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
}


def _say(kind: str, value, lang: str | None, **kw) -> str:
    """A recorded code in words for ``lang`` (the English words are the recorded codes)."""
    return t(f"{kind}:{value}", lang or "en").format(**kw) if kw else code(kind, value, lang or "en")


def _unreadable_row(version: str, active: str | None, exc: RegistryError, lang: str | None) -> dict:
    """The listing's row for a version whose manifest cannot be read."""
    return {
        "version": version,
        "active": version == active,
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


def _champion_errors(manifest: dict) -> str:
    """The champions' backtest error per origin quarter, as recorded in the manifest."""
    metrics = (
        pl.DataFrame(manifest["metrics"]).filter(pl.col("is_champion")).sort("origin_quarter")
        if manifest.get("metrics")
        else pl.DataFrame({"origin_quarter": [], "mae_disbursed_pp": []})
    )
    return ", ".join(f"Q{r['origin_quarter']}: {r['mae_disbursed_pp']:.2f}" for r in metrics.iter_rows(named=True))


def _kpi_model_text(manifest: dict, lang: str | None) -> str:
    """The KPI model and its Brier score, or that the KPIs are judged by rules alone."""
    k = manifest.get("kpi") or {}
    return (
        f"{_say('model', k.get('champion'), lang)} (Brier {(k.get('brier') or {}).get(k.get('champion'), float('nan')):.3f})"
        if k.get("trained")
        else "rules (no KPI history)"
        if lang is None
        else t("kpi_rules_only", lang)
    )


def _signature_text(trust: str | None, taken: dict, key: bytes | None, lang: str | None) -> str:
    """Whether this store's key signs the set, who accepted it as foreign, or "" when no key is given."""
    if key is None:
        return ""
    if trust is None:
        return _say("signature", "not signed", lang)
    if trust == FOREIGN:
        return _say("signature", "foreign", lang, who=taken.get("accepted_by") or "?")
    return _say("signature", "signed", lang)


def _listed_row(
    root: Path, version: str, m: dict, active: str | None, key: bytes | None, lang: str | None, era: str
) -> dict:
    """The listing's row for a version whose manifest ``m`` reads."""
    mae = _champion_errors(m)
    kpi_model = _kpi_model_text(m, lang)
    trust, note = _trust(root, version, key)
    if trust == FOREIGN:
        m = _as_accepted(m, note)
    taken = accepted(root, version) or {}
    signature = _signature_text(trust, taken, key, lang)
    claimed = m.get("claimed_basis")
    basis = str(m.get("basis"))
    if trust == FOREIGN and claimed and claimed != underlying(basis):
        basis += f" (its manifest says {claimed})"
    return {
        "version": version,
        "active": version == active,
        "created_at": m["created_at"] if lang is None else formats.moment(m["created_at"], lang, era),
        "author": (m.get("author") or {}).get("user", ""),
        "basis": _say("basis", basis, lang),
        "years": f"{min(m['years'])}-{max(m['years'])}" if m.get("years") else "",
        "rows": m.get("rows"),
        "champions": ", ".join(f"Q{q}: {_say('model', c, lang)}" for q, c in sorted(m["champions"].items())),
        "mae_disbursed_pp": mae,
        "kpi_model": kpi_model,
        "signature": signature,
    }


def listing(root: Path, key: bytes | None = None, lang: str | None = None, era: str = "BE") -> pl.DataFrame:
    """One row per saved version: when, by whom, on what, champions, backtest error and whether this
    store's key signs it (``key`` given); as recorded, or for people in ``lang`` (the moment written out,
    the basis, models and signature in words)."""
    active = active_version(root)
    rows = []
    for v in versions(root):
        try:
            m = read_manifest(root, v)
        except RegistryError as exc:
            rows.append(_unreadable_row(v, active, exc, lang))
            continue
        rows.append(_listed_row(root, v, m, active, key, lang, era))
    return pl.DataFrame(rows, schema=LISTING_SCHEMA)
