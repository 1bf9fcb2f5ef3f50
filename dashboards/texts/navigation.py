"""Titles of the pages in the navigation."""

TEXTS = {
    "en": {
        "nav.targets": "Targets",
        "nav.channels": "Channels",
        "nav.processes": "Processes",
        "nav.contact_centre": "Contact centre",
        "nav.data_quality": "Data quality",
        "nav.communes": "Communes",
    },
    "fr": {
        "nav.targets": "Objectifs",
        "nav.channels": "Canaux",
        "nav.processes": "Processus",
        "nav.contact_centre": "Centre de contact",
        "nav.data_quality": "Qualité des données",
        "nav.communes": "Communes",
    },
    "nl": {
        "nav.targets": "Doelstellingen",
        "nav.channels": "Kanalen",
        "nav.processes": "Processen",
        "nav.contact_centre": "Contactcenter",
        "nav.data_quality": "Datakwaliteit",
        "nav.communes": "Gemeenten",
    },
}
