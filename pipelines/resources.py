"""Dagster resources: where the configuration and the lake are."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from pipelines.config import CivicConfig, load_config
from pipelines.lake import Lake


class CivicLakeResource(ConfigurableResource):
    """The commune configuration file and the lake folder a run works on."""

    config_path: str
    lake_dir: str

    def load_config(self) -> CivicConfig:
        return load_config(self.config_path)

    @property
    def lake(self) -> Lake:
        return Lake(Path(self.lake_dir).resolve())
