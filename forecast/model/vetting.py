"""What a saved model set may hold, checked before anything in it runs: types, node kinds, trees, one projection.

A skops file is a zip of ``schema.json`` (a tree of nodes, each naming how it is rebuilt and its
type) and the arrays it refers to. Three checks stand between such a file and a prediction:

1. ``audit`` reads the schema as plain JSON (nothing is rebuilt) and refuses a file holding any
   type that is not in ``TRUSTED_TYPES`` (the README's Security section quotes that list), any
   node kind outside ``NODE_KINDS`` (functions, methods, ``functools.partial``, operators are never
   among them), a skops protocol other than ``SKOPS_PROTOCOL``, or more bytes than a set needs.
   skops itself trusts every scikit-learn estimator and numpy ufunc by default; the audit does not
   rely on that default, so ``DummyRegressor`` or ``FunctionTransformer(func=numpy.exp)`` is refused.
2. ``check_origin`` walks the rebuilt objects. Every histogram gradient-boosting model is checked
   against its own shapes before it can predict: scikit-learn's tree predictor follows the child and
   feature indices of its ``nodes`` array without bounds checks, so a crafted file could make it
   read outside memory (skops leaves ``TreePredictor`` untrusted for that reason). Each tree must
   have the node layout scikit-learn writes, children after their parent and inside the array,
   features below the model's feature count, no NaN threshold, finite leaf values and no
   categorical split (this product never fits one).
3. ``probe`` loads the whole set and projects two synthetic rows (one with every feature, one
   with none) with every candidate of every origin, in a child process: a set that crashes the
   interpreter, raises or predicts nothing finite is refused with the reason, and the caller
   (``registry.activate``) changes nothing.

This module imports neither skops nor scikit-learn at import time: reading a set's schema needs
neither, and the child process imports what the set names.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.errors import RegistryError
from forecast.model import features as F
from forecast.model.models import Calibrated, Calibration

# The only types a saved model set may hold, and so the only ones skops may rebuild. README.md's Security
# section quotes this list (a test compares them). Plain JSON values (numbers, text, booleans, null) are
# not types: skops reads them with ``json.loads``.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "forecast.model.estimators.Blend",
    "forecast.model.estimators.DirectGBM",
    "forecast.model.estimators.FractionalLogit",
    "forecast.model.estimators.PaceBaseline",
    "forecast.model.estimators.PlanBaseline",
    "forecast.model.estimators.ProfileBaseline",
    "forecast.model.estimators.QuantileGBM",
    "forecast.model.estimators.RunRateBaseline",
    "forecast.model.estimators.StructuralModel",
    "forecast.model.estimators.YtdPlusPlanBaseline",
    "forecast.model.models.Calibrated",
    "forecast.model.models.Calibration",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.random.PCG64",
    "numpy.random._generator.Generator",
    "numpy.uint64",
    "sklearn._loss._loss.CyPinballLoss",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
    "sklearn._loss.loss.PinballLoss",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
# How skops may rebuild a node: objects from their attributes, containers, arrays (read without pickle),
# types (the keys' type of a dict), the gradient-boosting loss and its random generator, and references.
NODE_KINDS = frozenset(
    {
        "CachedNode",
        "DictNode",
        "JsonNode",
        "ListNode",
        "LossNode",
        "NdArrayNode",
        "ObjectNode",
        "RandomGeneratorNode",
        "TupleNode",
        "TypeNode",
    }
)
SKOPS_PROTOCOL = 2  # the skops format version the sets are written in (a test checks it is skops' own)
MAX_UNPACKED = 512 * 2**20  # bytes a set's file may unpack to (a set of this product is about 12 MB)
MAX_ENTRIES = 200_000  # files inside it (about 6,000)
MAX_NODES = 20_000_000  # objects walked when checking the rebuilt set
GBM = "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor"
TREE = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
BIN_MAPPER = "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper"
# scikit-learn's PREDICTOR_RECORD_DTYPE (sklearn.ensemble._hist_gradient_boosting.common); a test compares them
NODE_DTYPE = np.dtype(
    [
        ("value", "<f8"),
        ("count", "<u4"),
        ("feature_idx", "<i8"),
        ("num_threshold", "<f8"),
        ("missing_go_to_left", "u1"),
        ("left", "<u4"),
        ("right", "<u4"),
        ("gain", "<f8"),
        ("depth", "<u4"),
        ("is_leaf", "u1"),
        ("bin_threshold", "u1"),
        ("is_categorical", "u1"),
        ("bitset_idx", "<u4"),
    ]
)
PROBE_SECONDS = 600
BUDGET_PROBE = 100.0


def type_name(obj: object) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def _refuse(where: object, problem: str) -> RegistryError:
    return RegistryError(f"{where}: {problem}; the model set will not be loaded.")


# --- 1. the file, read as data -------------------------------------------------------------------------
def audit(data: bytes, where: object) -> None:
    """Refuse a skops file holding a type, a node kind or a format version not on the lists (nothing is rebuilt)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise _refuse(
                    where,
                    f"it unpacks to {len(infos):,} files and {sum(i.file_size for i in infos):,} bytes, more than "
                    f"a model set ever holds ({MAX_ENTRIES:,} files, {MAX_UNPACKED:,} bytes)",
                )
            schema = json.loads(z.read("schema.json"))
    except RegistryError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, RecursionError, OSError, EOFError) as exc:
        raise _refuse(where, f"it cannot be read as a model file ({type(exc).__name__})") from exc
    if not isinstance(schema, dict) or schema.get("protocol") != SKOPS_PROTOCOL:
        got = schema.get("protocol") if isinstance(schema, dict) else None
        raise _refuse(where, f"it is in skops format {got!r}, not {SKOPS_PROTOCOL}; retrain")
    types, kinds = declared(schema)
    problems = []
    extra = sorted(types - set(TRUSTED_TYPES))
    if extra:
        problems.append(f"it holds types that a model set never holds ({', '.join(extra)})")
    odd_kinds = sorted(kinds - NODE_KINDS)
    if odd_kinds:
        problems.append(f"it rebuilds objects in ways a model set never does ({', '.join(odd_kinds)})")
    if problems:
        raise _refuse(where, "; ".join(problems))


def declared(schema: object) -> tuple[set[str], set[str]]:
    """Every type and node kind a skops schema names (its bit generators included), read as plain JSON."""
    types: set[str] = set()
    kinds: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__loader__" in node:
                kind = node.get("__loader__")
                kinds.add(kind if isinstance(kind, str) else repr(kind))
                if kind != "JsonNode":  # a JSON value, read with json.loads whatever type it names
                    types.add(f"{node.get('__module__')}.{node.get('__class__')}")
                if kind == "RandomGeneratorNode":
                    types.add(f"numpy.random.{_bit_generator(node)}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return types, kinds


def _bit_generator(node: dict) -> str:
    """The bit generator a random generator node names (skops calls it by that name)."""
    try:
        name = json.loads(node["content"]["bit_generator"]["content"]["bit_generator"]["content"])
    except (KeyError, TypeError, ValueError):
        return "?"
    return name if isinstance(name, str) else "?"


def check_sha(path: Path, data: bytes, expected: str) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        raise RegistryError(
            f"{path}: sha256 {got[:12]}… does not match the manifest ({str(expected)[:12]}…); "
            "the file was changed after training and will not be loaded. Retrain or activate "
            "another version."
        )


# Origins rebuilt in this process, by the sha256 of the bytes they were rebuilt from (most recent last).
_REBUILT: OrderedDict[str, dict] = OrderedDict()
_REBUILT_MOST = 8  # two sets of four origins
_REBUILT_LOCK = threading.Lock()


def read_artifact(path: Path, expected: str) -> dict:
    """One origin's models from its file: the sha256, the types and the trees checked on the very bytes read.

    Bytes whose sha256 this process has already rebuilt and checked give a deep copy of that rebuild (no
    caller shares another's objects): 0.1 s instead of 3-5 s for an origin of ~7,600 arrays. The file is
    read and its sha256 checked every time, so a file replaced since is refused as before."""
    import skops.io as sio  # noqa: PLC0415 - lazy: skops

    data = path.read_bytes()
    check_sha(path, data, expected)
    with _REBUILT_LOCK:
        if expected in _REBUILT:
            _REBUILT.move_to_end(expected)
            return copy.deepcopy(_REBUILT[expected])
    audit(data, path)
    try:
        obj = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # whatever skops or a rebuilt type raises: the file is refused with its reason
        raise _refuse(path, f"it cannot be rebuilt ({type(exc).__name__}: {str(exc)[:300]})") from exc
    check_origin(obj, path)
    remember(expected, obj)
    return obj


def forget() -> None:
    """Drop every kept rebuild: the next read of each file rebuilds it from its bytes."""
    with _REBUILT_LOCK:
        _REBUILT.clear()


def remember(sha256: str, obj: dict) -> None:
    """Keep a deep copy of ``obj`` as the rebuild of the bytes with this sha256: those ``read_artifact`` has
    checked, or those this process has just written from ``obj`` (``registry.save``)."""
    kept = copy.deepcopy(obj)
    with _REBUILT_LOCK:
        _REBUILT[sha256] = kept
        while len(_REBUILT) > _REBUILT_MOST:
            _REBUILT.popitem(last=False)


# --- 2. the rebuilt objects -----------------------------------------------------------------------------
def check_origin(obj: object, where: object) -> None:
    """An origin's models as this product saves them ({candidate: {target: Calibrated}}), every gradient-boosting
    model's trees checked against its shapes."""
    if not isinstance(obj, dict) or not obj:
        raise _refuse(where, f"it holds {type_name(obj)}, not the candidates of an origin")
    for name, by_target in obj.items():
        if not isinstance(name, str) or not isinstance(by_target, dict) or not by_target:
            raise _refuse(where, f"candidate {name!r} is not a set of models by target")
        for target, model in by_target.items():
            if not isinstance(target, str) or type(model) is not Calibrated:
                raise _refuse(where, f"{name}/{target!r} is {type_name(model)}, not a calibrated model")
            if not type_name(model.estimator).startswith("forecast.model.estimators."):
                raise _refuse(where, f"{name}/{target}: the estimator is {type_name(model.estimator)}")
            if model.calibration is not None and type(model.calibration) is not Calibration:
                raise _refuse(where, f"{name}/{target}: the calibration is {type_name(model.calibration)}")
    _walk(obj, where)


def _walk(root: object, where: object) -> None:
    """Every object reachable from ``root``: each gradient-boosting model checked, and no tree outside one."""
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(root, "")]
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool, np.generic)):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_NODES:
            raise _refuse(where, f"it holds more than {MAX_NODES:,} objects")
        name = type_name(obj)
        if name == GBM:
            _check_gbm(obj, f"{where}: {path}")
            continue  # its trees are checked with it
        if name == TREE:
            raise _refuse(where, f"{path} is a tree outside a gradient-boosting model")
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend((v, f"{path}[]") for v in obj.ravel().tolist())
            continue
        items: Iterable[tuple[object, object]]
        if isinstance(obj, Mapping):
            items = obj.items()
        elif isinstance(obj, (list, tuple, set, frozenset)):
            items = enumerate(obj)
        else:
            items = getattr(obj, "__dict__", {}).items()
        stack.extend((v, f"{path}/{k}" if path else str(k)) for k, v in items)


def _check_gbm(m: object, where: str) -> None:
    a = vars(m)
    n = a.get("n_features_in_")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100_000:
        raise _refuse(where, f"n_features_in_ is {n!r}, not a positive count")
    if a.get("n_trees_per_iteration_") != 1:
        raise _refuse(where, f"n_trees_per_iteration_ is {a.get('n_trees_per_iteration_')!r}, not 1")
    if a.get("_preprocessor") is not None:
        raise _refuse(where, "it holds a categorical preprocessor, which this product never fits")
    cats = a.get("is_categorical_")
    if cats is not None and (not isinstance(cats, np.ndarray) or cats.astype(bool).any()):
        raise _refuse(where, "it declares categorical features, which this product never fits")
    base = a.get("_baseline_prediction")
    if not isinstance(base, np.ndarray) or base.shape != (1, 1) or not np.isfinite(base).all():
        raise _refuse(where, "its baseline prediction is not one finite number")
    bins = _check_bins(a.get("_bin_mapper"), n, where)
    predictors = a.get("_predictors")
    if not isinstance(predictors, list) or not predictors:
        raise _refuse(where, "it holds no trees")
    for i, per_iteration in enumerate(predictors):
        if not isinstance(per_iteration, list) or len(per_iteration) != 1:
            raise _refuse(where, f"iteration {i} holds {type_name(per_iteration)}, not one tree")
        check_tree(per_iteration[0], n, bins, f"{where} tree {i}")


def _check_bins(mapper: object, n: int, where: str) -> np.ndarray:
    if type_name(mapper) != BIN_MAPPER:
        raise _refuse(where, f"its bin mapper is {type_name(mapper)}")
    a = vars(mapper)
    cats = a.get("is_categorical_")
    if not isinstance(cats, np.ndarray) or cats.shape != (n,) or cats.astype(bool).any():
        raise _refuse(where, f"its bin mapper does not describe {n} numeric features")
    bins = a.get("n_bins_non_missing_")
    if not isinstance(bins, np.ndarray) or bins.shape != (n,) or bins.dtype.kind not in "iu":
        raise _refuse(where, f"its bin mapper does not count the bins of {n} features")
    return bins.astype(np.int64)


def check_tree(tree: object, n_features: int, bins: np.ndarray, where: str) -> None:
    """One tree predictor: scikit-learn's node layout, children after their parent and inside the array,
    features below ``n_features``, bin thresholds within each feature's bins, no NaN (or -inf) threshold,
    finite leaves, no categorical split."""
    if type_name(tree) != TREE:
        raise _refuse(where, f"it is {type_name(tree)}, not a tree predictor")
    a = vars(tree)
    nodes = a.get("nodes")
    if not isinstance(nodes, np.ndarray) or nodes.dtype != NODE_DTYPE or nodes.ndim != 1 or nodes.size == 0:
        raise _refuse(where, "its nodes are not an array of scikit-learn's node records")
    for name in ("binned_left_cat_bitsets", "raw_left_cat_bitsets"):
        b = a.get(name)
        if not isinstance(b, np.ndarray) or b.dtype != np.uint32 or b.ndim != 2 or b.shape[1] != 8:
            raise _refuse(where, f"its {name} is not an array of 8-word bitsets")
    size = nodes.size
    index = np.arange(size)
    leaf = nodes["is_leaf"]
    split = leaf == 0
    problems = []
    if not np.isin(leaf, (0, 1)).all() or not np.isin(nodes["missing_go_to_left"], (0, 1)).all():
        problems.append("flags other than 0 and 1")
    if nodes["is_categorical"].any():
        problems.append("a categorical split")
    for side in ("left", "right"):
        child = nodes[side].astype(np.int64)
        bad = split & ((child <= index) | (child >= size))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            problems.append(f"node {i}'s {side} child {int(child[i])} is outside nodes {i + 1}..{size - 1}")
    feature = nodes["feature_idx"]
    bad = split & ((feature < 0) | (feature >= n_features))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        problems.append(f"node {i} splits on feature {int(feature[i])} of {n_features}")
    else:
        over = split & (nodes["bin_threshold"].astype(np.int64) >= bins[np.where(split, feature, 0)])
        if over.any():
            i = int(np.flatnonzero(over)[0])
            problems.append(f"node {i}'s bin threshold {int(nodes['bin_threshold'][i])} is beyond its feature's bins")
    threshold = nodes["num_threshold"]
    if (split & (np.isnan(threshold) | (threshold == -np.inf))).any():
        problems.append("a split threshold that is not a number")
    if not np.isfinite(nodes["value"][leaf == 1]).all() or not (leaf == 1).any():
        problems.append("a leaf value that is not finite" if (leaf == 1).any() else "no leaf")
    if problems:
        raise _refuse(where, "its tree has " + "; ".join(problems))


# --- 3. one projection, in a child process --------------------------------------------------------------
def probe_rows(origin: int) -> pl.DataFrame:
    """Two synthetic feature rows of an origin quarter: every feature at a middling value, and every one missing."""
    mid = {f: [0.5, None] for f in F.FEATURES}
    return pl.DataFrame(
        {**mid, F.ORIGIN: [origin, origin], s.BUDGET: [BUDGET_PROBE, BUDGET_PROBE]},
        schema={**{f: pl.Float64 for f in F.FEATURES}, F.ORIGIN: pl.Int8, s.BUDGET: pl.Float64},
    )


def predict_all(models: Mapping[str, Mapping[str, Calibrated]], origin: int, where: object) -> None:
    """Every candidate of one origin predicts the probe rows: something finite, or the set is refused."""
    X = probe_rows(origin)
    for name, by_target in models.items():
        for target, model in by_target.items():
            try:
                out = model.predict(X, 0.9)
            except Exception as exc:  # any failure of a loaded model is a refusal, with its reason
                raise _refuse(where, f"{name}/{target} cannot project ({type(exc).__name__}: {exc})") from exc
            if not np.isfinite(np.asarray(out["p50"], dtype=float)[0]):
                raise _refuse(where, f"{name}/{target} projects no finite year-end share")


CHILD = "import sys; from forecast.model import vetting; sys.exit(vetting.child(sys.stdin.read()))"


def probe(folder: Path, artifacts: Mapping[str, str], champions: Mapping[str, str]) -> None:
    """Load every artifact of a set (``name -> sha256``) and project the probe rows, in a child process, so
    that a file that crashes the interpreter is refused rather than crashing the caller."""
    request = json.dumps({"folder": str(folder), "artifacts": dict(artifacts), "champions": dict(champions)})
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path]),
        "OMP_NUM_THREADS": "1",  # two rows: OpenMP's threads would only wait on each other (seconds per origin)
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=request,
            capture_output=True,
            text=True,
            timeout=PROBE_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise _refuse(folder, f"loading it and projecting one row took more than {PROBE_SECONDS} s") from exc
    except OSError as exc:
        raise RegistryError(f"could not start a check of {folder} ({exc}); nothing was changed.") from exc
    lines = done.stdout.strip().splitlines()
    answer = lines[-1] if lines else ""
    if done.returncode == 0 and answer == "ok":
        return
    if done.returncode == 2 and answer:
        raise RegistryError(answer)
    if done.returncode < 0:
        try:
            sig = signal.Signals(-done.returncode).name
        except ValueError:
            sig = f"signal {-done.returncode}"
        raise _refuse(folder, f"loading it and projecting one row crashed the process ({sig})")
    tail = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
    raise _refuse(folder, f"loading it and projecting one row failed (exit {done.returncode}: {tail})")


def child(request: str) -> int:
    """The child side of ``probe``: 0 and "ok" when every origin loads, passes its checks and projects;
    2 and the reason otherwise."""
    folder: object = "?"
    try:
        ask = json.loads(request)
        folder = Path(ask["folder"])
        for name, sha in sorted(ask["artifacts"].items()):
            origin = int(name.split("-")[1].split(".")[0])
            models = read_artifact(Path(folder) / name, sha)
            champion = ask["champions"].get(str(origin))
            if champion not in models:
                raise _refuse(Path(folder) / name, f"its champion {champion!r} is not among its candidates")
            predict_all(models, origin, Path(folder) / name)
    except RegistryError as exc:
        print(str(exc).replace("\n", " "))
        return 2
    except Exception as exc:  # noqa: BLE001 - the set could not be read at all: its reason, for the caller's refusal
        print(f"{folder}: {type(exc).__name__}: {exc}"[:500].replace("\n", " "))
        return 2
    print("ok")
    return 0
