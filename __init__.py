"""hardgen: manufacture hard-but-solvable, verified training problems and train students on them."""

__version__ = "0.1.0"

from hardgen.core.errors import HardgenError  # noqa: E402

__all__ = ["__version__", "HardgenError"]
