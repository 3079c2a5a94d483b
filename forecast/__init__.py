"""forecast: budget-execution forecasting and risk scoring for public-sector projects."""

from forecast.calendar import FiscalCalendar
from forecast.store import IngestResult, Store, StoreError
from forecast.validate import Checked, Issue, ValidationError

__all__ = ["Checked", "FiscalCalendar", "IngestResult", "Issue", "Store", "StoreError", "ValidationError"]
