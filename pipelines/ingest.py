"""Which connector reads which source: the configuration names a kind and a format, never code."""

from __future__ import annotations

from collections.abc import Callable

from connectors.dynamics import read_dynamics_export
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from pipelines.config import CivicConfig, Source

Reader = Callable[[CivicConfig, Source, Pseudonymiser], ReadResult]


def _dynamics(config: CivicConfig, source: Source, pseudonymiser: Pseudonymiser) -> ReadResult:
    return read_dynamics_export(
        config.resolve(source.location), source.commune, source.id, pseudonymiser, source.mapping
    )


READERS: dict[tuple[str, str], Reader] = {
    ("dynamics365", "odata_json"): _dynamics,
}


class UnsupportedSourceError(ValueError):
    """A source whose kind and format no connector reads (yet)."""


def read_source(config: CivicConfig, source: Source, pseudonymiser: Pseudonymiser) -> ReadResult:
    reader = READERS.get((source.kind, source.format))
    if reader is None:
        known = ", ".join(f"{kind}/{fmt}" for kind, fmt in READERS)
        raise UnsupportedSourceError(
            f"source {source.id!r}: no connector reads kind {source.kind!r} in format {source.format!r} "
            f"for entity {source.entity!r}; available: {known}"
        )
    return reader(config, source, pseudonymiser)


def pseudonymiser_for(config: CivicConfig) -> Pseudonymiser:
    return Pseudonymiser.from_environment(
        demo=config.mode == "demo",
        key_env=config.pseudonymisation.key_env,
        key_file_env=config.pseudonymisation.key_file_env,
    )
