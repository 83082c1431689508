"""The stages of the pipeline (generate, verify, grade, select, ...), each a small module on one runner."""
