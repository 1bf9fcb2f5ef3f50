"""KPI names and values as the Targets and Communes pages show them: the name in the session's language
(dashboards/texts/communes.py, "communes.kpi.<name>") and the value formatted by its unit."""

from __future__ import annotations

import math

from dashboards.i18n import DEFAULT_LANG, MISSING, TEXTS, format_int, format_pct, t

# Thousands separator and decimal mark per language, as dashboards/i18n.py writes them.
_MARKS: dict[str, tuple[str, str]] = {"en": (",", "."), "fr": ("\u202f", ","), "nl": (".", ",")}


def kpi_label(kpi_name: str, lang: str) -> str:
    """The KPI's name in `lang` (its technical name when the texts do not know it)."""
    key = f"communes.kpi.{kpi_name}"
    return t(key, lang) if key in TEXTS[DEFAULT_LANG] else kpi_name


def is_missing(number: object) -> bool:
    if number is None:
        return True
    try:
        return math.isnan(float(number))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def format_decimal(number: object, lang: str, decimals: int = 1) -> str:
    """A number with `decimals` decimals and the language's marks: 1,234.5 / 1 234,5 / 1.234,5."""
    if is_missing(number):
        return MISSING
    thousands, decimal = _MARKS.get(lang, _MARKS[DEFAULT_LANG])
    text = f"{float(number):,.{decimals}f}"  # type: ignore[arg-type]
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def format_value(value: object, unit: str, lang: str) -> str:
    """The bare value of a KPI by its unit: a share as %, seconds and days with one decimal, counts whole."""
    if is_missing(value):
        return MISSING
    if unit == "share":
        return format_pct(value, lang)
    if unit == "seconds":
        return t("communes.value.seconds", lang, value=format_decimal(value, lang))
    if unit == "days":
        return t("communes.value.days", lang, value=format_decimal(value, lang))
    return format_int(round(float(value)), lang)  # type: ignore[arg-type]


def format_with_terms(value: object, numerator: object, denominator: object, unit: str, lang: str) -> str:
    """The value by its unit and, for a share, its numerator and denominator beside it (KPIS.md)."""
    if unit == "share" and not is_missing(value):
        return t(
            "communes.value.share",
            lang,
            share=format_pct(value, lang),
            numerator=format_int(numerator, lang),
            denominator=format_int(denominator, lang),
        )
    return format_value(value, unit, lang)
