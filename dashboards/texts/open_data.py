"""Texts of the "Open data" page (the releases written by `civiclake export`)."""

TEXTS = {
    "en": {
        "nav.open_data": "Open data",
        "open_data.title": "Open data",
        "open_data.subtitle": "The open data releases of the lake, ready to publish",
        "open_data.no_filter": (
            "This page does not use the filters of the sidebar: a release covers every commune and period it was "
            "exported with."
        ),
        "open_data.source": "Source: {folder}",
        "open_data.empty": "No open data release in {folder} yet: run `civiclake export` first.",
        "open_data.release": "Release {version}",
        "open_data.created": "Created: {created}",
        "open_data.licence": "Licence: {licence}",
        "open_data.changes": "Changes: {changes}",
        "open_data.unknown": "not stated",
        "open_data.datasets": "Data sets",
        "open_data.no_datasets": "This release has no data file.",
        "open_data.rows": "{rows} rows",
        "open_data.file": "{format} · {size}",
        "open_data.download": "Download {name}",
        "open_data.catalogue": "Catalogue (DCAT-AP)",
        "open_data.no_catalogue": "This release has no DCAT catalogue.",
        "open_data.size.bytes": "{size} bytes",
        "open_data.size.kb": "{size} kB",
        "open_data.size.mb": "{size} MB",
    },
    "fr": {
        "nav.open_data": "Données ouvertes",
        "open_data.title": "Données ouvertes",
        "open_data.subtitle": "Les publications de données ouvertes du lac, prêtes à publier",
        "open_data.no_filter": (
            "Cette page n'utilise pas les filtres de la barre latérale : une publication couvre toutes les "
            "communes et périodes avec lesquelles elle a été exportée."
        ),
        "open_data.source": "Source : {folder}",
        "open_data.empty": (
            "Aucune publication de données ouvertes dans {folder} pour l'instant : lancez d'abord `civiclake export`."
        ),
        "open_data.release": "Publication {version}",
        "open_data.created": "Créée le : {created}",
        "open_data.licence": "Licence : {licence}",
        "open_data.changes": "Changements : {changes}",
        "open_data.unknown": "non précisé",
        "open_data.datasets": "Jeux de données",
        "open_data.no_datasets": "Cette publication ne contient aucun fichier de données.",
        "open_data.rows": "{rows} lignes",
        "open_data.file": "{format} · {size}",
        "open_data.download": "Télécharger {name}",
        "open_data.catalogue": "Catalogue (DCAT-AP)",
        "open_data.no_catalogue": "Cette publication n'a pas de catalogue DCAT.",
        "open_data.size.bytes": "{size} octets",
        "open_data.size.kb": "{size} ko",
        "open_data.size.mb": "{size} Mo",
    },
    "nl": {
        "nav.open_data": "Open data",
        "open_data.title": "Open data",
        "open_data.subtitle": "De open-datareleases van het lake, klaar om te publiceren",
        "open_data.no_filter": (
            "Deze pagina gebruikt de filters van de zijbalk niet: een release omvat alle gemeenten en periodes "
            "waarmee ze geëxporteerd werd."
        ),
        "open_data.source": "Bron: {folder}",
        "open_data.empty": "Nog geen open-datarelease in {folder}: voer eerst `civiclake export` uit.",
        "open_data.release": "Release {version}",
        "open_data.created": "Aangemaakt: {created}",
        "open_data.licence": "Licentie: {licence}",
        "open_data.changes": "Wijzigingen: {changes}",
        "open_data.unknown": "niet vermeld",
        "open_data.datasets": "Datasets",
        "open_data.no_datasets": "Deze release bevat geen gegevensbestand.",
        "open_data.rows": "{rows} rijen",
        "open_data.file": "{format} · {size}",
        "open_data.download": "{name} downloaden",
        "open_data.catalogue": "Catalogus (DCAT-AP)",
        "open_data.no_catalogue": "Deze release heeft geen DCAT-catalogus.",
        "open_data.size.bytes": "{size} bytes",
        "open_data.size.kb": "{size} kB",
        "open_data.size.mb": "{size} MB",
    },
}
