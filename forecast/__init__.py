"""forecast: budget-execution forecasting and risk scoring for public-sector projects.

The store and validation load eagerly; the engine (scikit-learn, statsmodels) loads on first use::

    import forecast
    store = forecast.Store.open()                       # the reference data, or your store
    snap = store.snapshot("latest")                     # everything known at a report date, read once
    forecast.project(store)                             # year-end p10/p50/p90 per project
    history = forecast.simulate(projects=90, years=6)   # a SYNTHETIC history, as template tables
    forecast.train(store, ["history/"])                 # backtest, fit, save a model set
    forecast.rank(store, lang="en")                     # projects by risk, with reasons
    forecast.kpi_attainment(store)                      # every KPI's chance of its target
"""

from importlib import import_module

from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import Snapshot
from forecast.data.store import IngestResult, Store
from forecast.data.units import AmountUnit
from forecast.data.validate import Checked, Issue, ValidationError
from forecast.errors import ForecastError, HistoryError, InputError, RegistryError, StoreError

# name -> (module, attribute), imported on first use
_LAZY = {
    **{
        n: ("forecast.api", n)
        for n in ("backtest", "history", "kpi_attainment", "model_sets", "project", "rank", "review", "train")
    },
    "simulate": ("forecast.model.synthetic", "simulate"),
    "RiskPolicy": ("forecast.decisions.risk", "RiskPolicy"),
}

__all__ = [  # noqa: PLE0604 - the lazy names are strings too
    "AmountUnit",
    "Checked",
    "FiscalCalendar",
    "ForecastError",
    "HistoryError",
    "IngestResult",
    "InputError",
    "Issue",
    "RegistryError",
    "Snapshot",
    "Store",
    "StoreError",
    "ValidationError",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")
