"""Paths and environment variables; nothing else."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
TEMPLATE_XLSX = DATA_DIR / "template" / "forecast_template.xlsx"
DEFAULT_STORE_DIR = DATA_DIR / "store"
MODELS_DIR = ROOT / "models"

STORE_ENV = "FORECAST_STORE"


def store_from_env() -> Path | None:
    value = os.environ.get(STORE_ENV, "").strip()
    return Path(value) if value else None
