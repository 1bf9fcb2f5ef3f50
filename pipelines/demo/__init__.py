"""Demo source generator: realistic extracts of a commune's systems, calibrated on the city's figures."""

from pipelines.demo.generator import generate
from pipelines.demo.profiles import known_communes
from pipelines.demo.summary import GenerationSummary, SourceOutput

__all__ = ["GenerationSummary", "SourceOutput", "generate", "known_communes"]
