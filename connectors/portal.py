"""Portal logins from the citizen portal's authentication log (JSON lines).

One JSON object per line: `timestamp` (ISO 8601, UTC "Z" or an offset), `national_register_number`
(as the identity provider returns it), `method` (itsme, eid, password...), `success` (true/false).
The citizen key is `citizen_key()` of the register number (checked and normalised first), the same
key as in every other system; a line without a valid register number cannot be attributed to a
citizen and is rejected, as is a line that is not valid JSON (its text is kept only as a hash, since
its personal fields cannot be found). Other fields (session ids...) are not read.

```yaml
mapping:
  national_number_field: national_register_number   # the defaults, as in the demo configuration
  timestamp_field: timestamp
  method_field: method
  success_field: success
  values: {success: {OK: "true", FAILED: "false"}}   # when success is not a JSON boolean
```
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.generic import MappedSource, read_mapped
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.tabular import MappingError

FIELDS = {
    "national_number_field": "national_register_number",
    "timestamp_field": "timestamp",
    "method_field": "method",
    "success_field": "success",
}
PASSED_ON = ("values", "default", "time_format", "timezone", "ambiguous", "encoding", "format", "delimiter", "quote")
MAPPING_KEYS = {*FIELDS, "personal", *PASSED_ON}


def portal_spec(mapping: dict[str, Any] | None = None) -> MappedSource:
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - MAPPING_KEYS)
    if unknown:
        raise MappingError(
            f"unknown portal mapping key(s) {', '.join(unknown)}; expected some of {sorted(MAPPING_KEYS)}"
        )
    field = {name: str(mapping.get(name) or default) for name, default in FIELDS.items()}
    generic: dict[str, Any] = {
        "entity": "portal_login",
        "format": "jsonl",
        "columns": {
            "citizen_key": {"national_number": field["national_number_field"]},
            "login_at": field["timestamp_field"],
            "method": field["method_field"],
            "success": field["success_field"],
        },
        "personal": list(mapping.get("personal") or []),
    }
    generic |= {name: mapping[name] for name in PASSED_ON if name in mapping}
    return MappedSource.from_mapping(generic)


def read_portal_logins(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ReadResult:
    """Canonical portal logins from a JSON lines log (a file, or a folder of daily files)."""
    return read_mapped(location, commune_id, source_id, pseudonymiser, portal_spec(mapping), now)
