"""The floor every other part stands on: records, store, engine, jail, specs, progress, errors."""
