"""``YearEndForecaster``: the entry point for a data scientist, shaped like statsforecast and mlforecast.

::

    from forecast.model.forecaster import YearEndForecaster
    fc = YearEndForecaster(levels=(80, 90), target=0.93)
    cv = fc.cross_validation(history)          # out-of-sample predictions of every candidate, every origin
    fc.fit(history)                             # backtest, then fit every candidate on every year
    fc.predict(snapshot)                        # year-end p50 and the bands of ``levels`` per project
    fc.save(models_dir, key)                    # a signed, versioned model set (see ``registry``)
    YearEndForecaster.load(models_dir, key)     # verified before anything is read

``history`` is an ``engine.History`` (``engine.history(snapshot)`` or ``engine.read_history(paths)``);
``snapshot`` a ``Snapshot`` at the report date to project from. Band columns are named by
``band_columns``: ``disbursed_lo_80`` / ``disbursed_hi_80`` for the p10-p90 band, in the store's unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from forecast.data import schema as s
from forecast.data.snapshot import Snapshot
from forecast.errors import HistoryError
from forecast.model import absorption as AB
from forecast.model import backtest as B
from forecast.model import features as F
from forecast.model import kpi as KM
from forecast.model import models as M
from forecast.model import profile as PR
from forecast.model import projection as P
from forecast.model import registry


def band_columns(flow: str, level: int) -> tuple[str, str]:
    """The columns of a central ``level``% band of a flow's year-end amount, e.g. disbursed_lo_80, disbursed_hi_80."""
    return f"{flow}_lo_{level}", f"{flow}_hi_{level}"


def band_quantiles(level: int) -> tuple[float, float]:
    """The quantile levels bounding a central ``level``% band (80 -> 0.10 and 0.90), from ``models.LEVELS``."""
    lo = round((100 - level) / 200, 4)
    if lo not in M.LEVELS or round(1 - lo, 4) not in M.LEVELS:
        have = sorted({round(100 - 200 * q) for q in M.LEVELS if q < 0.5})
        raise ValueError(f"a band of {level}% is not one the models give; choose among {have}.")
    return lo, round(1 - lo, 4)


@dataclass
class YearEndForecaster:
    """Year-end disbursement of every project-year: candidates compete in a rolling-origin backtest by
    fiscal year, the champion of each origin quarter (lowest pinball loss) projects.

    Parameters
    ----------
    candidates : names from ``estimators.CANDIDATES`` (None: all of them).
    levels : central bands to report, in percent (80 gives p10-p90).
    target : the year-end disbursement target, a share of the budget (P(miss) is of ending below it).
    half_life : years over which a year's weight in training and calibration halves.
    """

    candidates: Sequence[str] | None = None
    levels: tuple[int, ...] = (80,)
    target: float = s.DEFAULT_TARGET
    half_life: float = M.HALF_LIFE
    models_: registry.ModelSet | None = field(default=None, repr=False)
    result_: B.BacktestResult | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for level in self.levels:
            band_quantiles(level)
        if not 0 < self.target <= 1:
            raise ValueError(f"target is a share of the budget between 0 and 1; got {self.target}.")

    def _run(self, history, fit_final: bool, progress: Callable[[float, str], None] | None) -> B.BacktestResult:
        return B.run(
            history.rows,
            threshold=self.target,
            candidates=list(self.candidates) if self.candidates else None,
            fit_final=fit_final,
            half_life=self.half_life,
            progress=progress,
        )

    def cross_validation(self, history, progress: Callable[[float, str], None] | None = None) -> pl.DataFrame:
        """Out-of-sample predictions of every candidate at every origin quarter (``backtest.PREDICTION_COLUMNS``)."""
        self.result_ = self._run(history, False, progress)
        return self.result_.predictions

    def fit(self, history, progress: Callable[[float, str], None] | None = None) -> YearEndForecaster:
        """Backtest, choose the champions, fit every candidate on every year and calibrate it."""
        self.result_ = self._run(history, True, progress)
        if progress:
            progress(B.PROGRESS_SHARE, "the KPI model and the manifest")
        self.models_ = registry.ModelSet("unsaved", self._manifest(history, self.result_), self.result_.final)
        return self

    def _manifest(self, h, result: B.BacktestResult) -> dict:
        return {
            "basis": h.basis,
            "source": h.source,
            "training_fingerprint": h.fingerprint,
            "years": h.years,
            "rows": h.project_years,
            "closed_lines": h.closed,
            "threshold": self.target,
            "features": list(F.FEATURES),
            "targets": list(result.targets),
            "half_life_years": self.half_life,
            "levels": list(self.levels),
            "candidates": {
                n: {"kind": c.kind, "label": c.label}
                for n, c in B.candidate_estimators().items()
                if not self.candidates or n in self.candidates
            },
            "champions": {str(q): n for q, n in result.champions.items()},
            "metrics": result.metrics.to_dicts(),
            "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
            "reliability": B.reliability(result.predictions, self.target).to_dicts(),
            "dependence": {str(q): d for q, d in result.dependence.items()},
            "money": {"trained": True, "reason": ""},
            "kpi": KM.train(h.kpis, h.kpi_results, h.basis, self.half_life),
            "absorption": AB.fit(h.rows, h.basis),
            "year_profile": PR.year_profile(h.rows),
            "feature_ranges": PR.feature_ranges(h.rows),
        }

    def predict(self, snapshot: Snapshot) -> pl.DataFrame:
        """Every project of the snapshot's latest fiscal year: the projection (``projection.PROJECTION_COLUMNS``
        and the probabilities) plus the bands of ``levels`` of the year-end disbursed amount."""
        if self.models_ is None:
            raise HistoryError("the forecaster is not fitted yet: call fit(history) or load a saved model set.")
        out = P.project(snapshot, self.models_, self.target)
        if out.is_empty():
            return out
        budget = out[s.BUDGET].cast(pl.Float64).to_numpy()
        bands = []
        for level in self.levels:
            lo_q, hi_q = band_quantiles(level)
            lo_c, hi_c = band_columns(s.DISBURSED, level)
            for q, name in ((lo_q, lo_c), (hi_q, hi_c)):
                ratio = out[M.level(M.AMOUNT, q)].cast(pl.Float64).to_numpy()
                bands.append(pl.Series(name, np.round(ratio * budget, s.DISPLAY_DECIMALS)))
        return out.with_columns(bands)

    def save(
        self,
        models_dir: Path,
        key: bytes,
        activate: bool = True,
        author: dict | None = None,
        store_id: str | None = None,
    ) -> registry.ModelSet:
        """Write the fitted set as a new signed version (see ``registry.save``); returns it."""
        if self.models_ is None or self.result_ is None:
            raise HistoryError("nothing to save: fit the forecaster on a history first.")
        manifest = {**self.models_.manifest, "author": author, "store": store_id}
        self.models_ = registry.save(models_dir, self.result_.final, manifest, key, make_active=activate)
        return self.models_

    @classmethod
    def load(cls, models_dir: Path, key: bytes, version: str | None = None) -> YearEndForecaster:
        """A saved set (the active one by default), after its signature and artifacts are verified."""
        ms = registry.load(models_dir, key, version)
        if ms is None:
            raise HistoryError(f"no model set in {models_dir}; train one first.")
        m = ms.manifest
        out = cls(
            candidates=list(m.get("candidates") or []) or None,
            levels=tuple(m.get("levels") or (80,)),
            target=float(m.get("threshold", s.DEFAULT_TARGET)),
            half_life=float(m.get("half_life_years", M.HALF_LIFE)),
        )
        out.models_ = ms
        return out
