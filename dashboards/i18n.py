"""Every text the dashboards show, in French, Dutch and English.

Pages never hold literal texts: they call `t(key, lang)`, so that the language switch (Brussels is
officially bilingual FR/NL, and English is the working language of the team) only has to change `lang`.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "fr", "nl")
DEFAULT_LANG = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "civiclake: digital services of the City of Brussels",
        "nav.adoption": "Adoption",
        "adoption.title": "Adoption of digital channels",
        "filter.commune": "Commune",
        "filter.period_type": "Period type",
        "filter.period": "Period",
        "period_type.year": "Year",
        "period_type.quarter": "Quarter",
        "period_type.month": "Month",
        "period_type.rolling_12_months": "12 months",
        "period.rolling": "12 months to {month}",
        "filter.service": "Service",
        "filter.all_services": "All services",
        "filter.language": "Language",
        "kpi.requests_volume": "Requests",
        "kpi.digital_take_up": "Digital take-up",
        "kpi.after_hours_share": "After-hours share",
        "help.requests_volume": "Requests created in the period, appointments excluded.",
        "help.digital_take_up": (
            "Requests received through a digital channel divided by requests with a known channel. "
            "Requests with an unknown channel are left out of both."
        ),
        "help.after_hours_share": (
            "Requests created outside office hours (commune time, holidays count as closed all day) "
            "divided by all requests."
        ),
        "caption.requests_volume": "{numerator} requests created",
        "caption.digital_take_up": "{numerator} of {denominator} requests with a known channel",
        "caption.after_hours_share": "{numerator} of {denominator} requests created outside office hours",
        "kpi.missing": "No figure for this period",
        "trend.title": "Monthly trend, {year}",
        "trend.x": "Month",
        "trend.y": "Share of requests",
        "trend.empty": "No monthly figures for {year}.",
        "table.title": "Figures",
        "table.caption": "The figures of {period} and the monthly figures of {year}.",
        "table.download": "Download CSV",
        "col.commune_id": "Commune",
        "col.period_type": "Period type",
        "col.period": "Period",
        "col.period_start": "From",
        "col.period_end": "To",
        "col.kpi_name": "KPI",
        "col.numerator": "Numerator",
        "col.denominator": "Denominator",
        "col.value": "Value",
        "msg.no_data": "No data in {gold} yet: run `civiclake run` first.",
        "msg.read_error": "The data in {gold} could not be read: {error}",
        "msg.no_communes": "No commune in {gold} yet: run `civiclake run` first.",
        "msg.no_periods": "No figures by {period_type} for this commune yet.",
        "msg.source": "Source: {gold}",
    },
    "fr": {
        "app.title": "civiclake : services numériques de la Ville de Bruxelles",
        "nav.adoption": "Adoption",
        "adoption.title": "Adoption des canaux numériques",
        "filter.commune": "Commune",
        "filter.period_type": "Type de période",
        "filter.period": "Période",
        "period_type.year": "Année",
        "period_type.quarter": "Trimestre",
        "period_type.month": "Mois",
        "period_type.rolling_12_months": "12 mois",
        "period.rolling": "12 mois jusqu'à {month}",
        "filter.service": "Service",
        "filter.all_services": "Tous les services",
        "filter.language": "Langue",
        "kpi.requests_volume": "Demandes",
        "kpi.digital_take_up": "Usage numérique",
        "kpi.after_hours_share": "Part hors heures d'ouverture",
        "help.requests_volume": "Demandes créées pendant la période, rendez-vous exclus.",
        "help.digital_take_up": (
            "Demandes reçues par un canal numérique divisées par les demandes dont le canal est connu. "
            "Les demandes au canal inconnu sont exclues des deux."
        ),
        "help.after_hours_share": (
            "Demandes créées en dehors des heures d'ouverture (heure de la commune, les jours fériés "
            "comptent comme fermés toute la journée) divisées par toutes les demandes."
        ),
        "caption.requests_volume": "{numerator} demandes créées",
        "caption.digital_take_up": "{numerator} sur {denominator} demandes dont le canal est connu",
        "caption.after_hours_share": "{numerator} sur {denominator} demandes créées hors heures d'ouverture",
        "kpi.missing": "Pas de chiffre pour cette période",
        "trend.title": "Évolution mensuelle, {year}",
        "trend.x": "Mois",
        "trend.y": "Part des demandes",
        "trend.empty": "Pas de chiffres mensuels pour {year}.",
        "table.title": "Chiffres",
        "table.caption": "Les chiffres de {period} et les chiffres mensuels de {year}.",
        "table.download": "Télécharger en CSV",
        "col.commune_id": "Commune",
        "col.period_type": "Type de période",
        "col.period": "Période",
        "col.period_start": "Du",
        "col.period_end": "Au",
        "col.kpi_name": "Indicateur",
        "col.numerator": "Numérateur",
        "col.denominator": "Dénominateur",
        "col.value": "Valeur",
        "msg.no_data": "Pas encore de données dans {gold} : lancez d'abord `civiclake run`.",
        "msg.read_error": "Les données de {gold} n'ont pas pu être lues : {error}",
        "msg.no_communes": "Pas encore de commune dans {gold} : lancez d'abord `civiclake run`.",
        "msg.no_periods": "Pas encore de chiffres par {period_type} pour cette commune.",
        "msg.source": "Source : {gold}",
    },
    "nl": {
        "app.title": "civiclake: digitale diensten van de Stad Brussel",
        "nav.adoption": "Adoptie",
        "adoption.title": "Adoptie van digitale kanalen",
        "filter.commune": "Gemeente",
        "filter.period_type": "Soort periode",
        "filter.period": "Periode",
        "period_type.year": "Jaar",
        "period_type.quarter": "Kwartaal",
        "period_type.month": "Maand",
        "period_type.rolling_12_months": "12 maanden",
        "period.rolling": "12 maanden tot {month}",
        "filter.service": "Dienst",
        "filter.all_services": "Alle diensten",
        "filter.language": "Taal",
        "kpi.requests_volume": "Aanvragen",
        "kpi.digital_take_up": "Digitaal gebruik",
        "kpi.after_hours_share": "Aandeel buiten de openingsuren",
        "help.requests_volume": "Aanvragen aangemaakt in de periode, afspraken niet meegerekend.",
        "help.digital_take_up": (
            "Aanvragen via een digitaal kanaal gedeeld door de aanvragen met een gekend kanaal. "
            "Aanvragen met een onbekend kanaal tellen in geen van beide mee."
        ),
        "help.after_hours_share": (
            "Aanvragen aangemaakt buiten de openingsuren (tijd van de gemeente, feestdagen gelden de "
            "hele dag als gesloten) gedeeld door alle aanvragen."
        ),
        "caption.requests_volume": "{numerator} aanvragen aangemaakt",
        "caption.digital_take_up": "{numerator} van {denominator} aanvragen met een gekend kanaal",
        "caption.after_hours_share": "{numerator} van {denominator} aanvragen aangemaakt buiten openingsuren",
        "kpi.missing": "Geen cijfer voor deze periode",
        "trend.title": "Maandelijks verloop, {year}",
        "trend.x": "Maand",
        "trend.y": "Aandeel van de aanvragen",
        "trend.empty": "Geen maandcijfers voor {year}.",
        "table.title": "Cijfers",
        "table.caption": "De cijfers van {period} en de maandcijfers van {year}.",
        "table.download": "CSV downloaden",
        "col.commune_id": "Gemeente",
        "col.period_type": "Soort periode",
        "col.period": "Periode",
        "col.period_start": "Van",
        "col.period_end": "Tot",
        "col.kpi_name": "Indicator",
        "col.numerator": "Teller",
        "col.denominator": "Noemer",
        "col.value": "Waarde",
        "msg.no_data": "Nog geen gegevens in {gold}: voer eerst `civiclake run` uit.",
        "msg.read_error": "De gegevens in {gold} konden niet gelezen worden: {error}",
        "msg.no_communes": "Nog geen gemeente in {gold}: voer eerst `civiclake run` uit.",
        "msg.no_periods": "Nog geen cijfers per {period_type} voor deze gemeente.",
        "msg.source": "Bron: {gold}",
    },
}


def _merge_page_texts() -> None:
    """Add the texts of every module of dashboards/texts/ (one per page) to TEXTS."""
    from dashboards import texts

    for module_info in sorted(pkgutil.iter_modules(texts.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"dashboards.texts.{module_info.name}")
        for lang, entries in module.TEXTS.items():
            clash = set(entries) & set(TEXTS.setdefault(lang, {}))
            if clash:
                raise ValueError(f"dashboards/texts/{module_info.name}.py redefines {sorted(clash)}")
            TEXTS[lang].update(entries)


_merge_page_texts()

# Which column of dim_commune holds the commune's name in each language.
COMMUNE_NAME_COLUMN: dict[str, str] = {"en": "name_en", "fr": "name_fr", "nl": "name_nl"}

# Thousands separator, decimal mark and the text between a number and "%" (French puts a narrow
# no-break space before it and between thousands).
_NUMBER_STYLE: dict[str, tuple[str, str, str]] = {
    "en": (",", ".", ""),
    "fr": ("\u202f", ",", "\u202f"),
    "nl": (".", ",", ""),
}

MISSING = "—"


def t(key: str, lang: str = DEFAULT_LANG, **values: Any) -> str:
    """The text `key` in `lang` (English if that language lacks it), with `{name}` fields filled."""
    text = TEXTS.get(lang, {}).get(key) or TEXTS[DEFAULT_LANG][key]
    return text.format(**values) if values else text


def _is_missing(number: object) -> bool:
    # pandas gives pd.NA for a null bigint and NaN for a null double; both mean "no figure".
    if number is None:
        return True
    try:
        return math.isnan(float(number))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def format_int(number: object, lang: str = DEFAULT_LANG) -> str:
    """A count with the language's thousands separator: 112,345 / 112 345 / 112.345."""
    if _is_missing(number):
        return MISSING
    thousands, _, _ = _NUMBER_STYLE.get(lang, _NUMBER_STYLE[DEFAULT_LANG])
    return f"{int(number):,}".replace(",", thousands)  # type: ignore[call-overload]


def format_pct(share: object, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """A share (0.681) as a percentage with the language's marks: 68.1% / 68,1 % / 68,1%."""
    if _is_missing(share):
        return MISSING
    thousands, decimal, before_sign = _NUMBER_STYLE.get(lang, _NUMBER_STYLE[DEFAULT_LANG])
    text = f"{float(share) * 100:,.{decimals}f}"  # type: ignore[arg-type]
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    return f"{text}{before_sign}%"
