"""Model: features, estimators, the rolling-origin backtest, the model registry and the simulator."""
