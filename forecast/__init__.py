"""forecast: budget-execution forecasting and risk scoring for public-sector projects.

The store and validation load eagerly; the engine (scikit-learn, statsmodels) loads on first use::

    import forecast
    store = forecast.Store.open()                       # the reference data, or your store
    forecast.project(store)                             # year-end p10/p50/p90 per project
    history = forecast.simulate(projects=90, years=6)   # a SYNTHETIC history, as template tables
    forecast.train(store, ["history/"])                 # backtest, fit, save a model set
"""

from forecast.calendar import FiscalCalendar
from forecast.store import IngestResult, Store, StoreError
from forecast.validate import Checked, Issue, ValidationError

_ENGINE = ("active_models", "backtest", "model_sets", "project", "read_history", "store_history", "train")

__all__ = ["Checked", "FiscalCalendar", "IngestResult", "Issue", "Store", "StoreError", "ValidationError",
           "simulate", *_ENGINE]


def __getattr__(name: str):
    if name in _ENGINE:
        from forecast import engine

        return getattr(engine, name)
    if name == "simulate":
        from forecast.synthetic import simulate

        return simulate
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")
