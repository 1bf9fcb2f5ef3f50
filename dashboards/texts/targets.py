"""Texts of the "Targets" page (management: will we make the targets, and what holds us back?)."""

TEXTS = {
    "en": {
        "targets.title": "Targets",
        "targets.question": "Will we make the targets, and what holds us back?",
        "targets.intro": (
            "Each target as it stood at the end of {month}, the last month of the chosen period, with "
            "a straight line fitted to the last 12 monthly values and extended to the deadline."
        ),
        "targets.no_gold": "The lake has no target figures (kpi_target_status) yet: run `civiclake run` first.",
        "targets.none": "No target is set for {commune} up to {day} (configuration: `targets`).",
        "targets.status.met": "met",
        "targets.status.on track": "on track",
        "targets.status.at risk": "at risk",
        "targets.status.off track": "off track",
        "targets.status.unknown": "not enough months to judge",
        "targets.tile.help": (
            "Met: the latest value reaches the target. On track: the whole 95 % interval at the deadline "
            "reaches it. At risk: the interval straddles it. Off track: even its favourable end misses it, "
            "or the deadline passed unmet."
        ),
        "targets.tile.terms": "{numerator} of {denominator}, {month}",
        "targets.tile.as_of": "Value of {month}",
        "targets.tile.target": "Target: {target} by {deadline}",
        "targets.tile.gap_to_go": "Gap: {gap} to go",
        "targets.tile.gap_beyond": "Gap: none, {gap} beyond the target",
        "targets.tile.status": "Status: {status}",
        "targets.tile.projection": "Projected for {deadline}: {value} (95 % interval {low} to {high})",
        "targets.tile.no_projection": "No projection: {months} of the 3 monthly values needed",
        "targets.points": "{value} pts",
        "targets.trend.title": "{kpi}: monthly values and projection to {deadline}",
        "targets.trend.x": "Month",
        "targets.trend.label.value": "Monthly value",
        "targets.trend.label.target": "Target {target}",
        "targets.trend.label.projection": "Projection {value}",
        "targets.trend.label.band": "95 % interval",
        "targets.trend.empty": "No monthly values of {kpi} up to {day}.",
        "targets.trend.desc": (
            "{kpi}, {count} monthly values from {first_month} ({first_value}) to {last_month} "
            "({last_value}); target {target} by {deadline} (dashed horizontal line)."
        ),
        "targets.trend.desc_projection": (
            " Dotted line: the projection to {deadline}, {value}, shaded band: its 95 % interval from {low} to {high}."
        ),
        "targets.services.title": "Services not online yet, by the demand they carry",
        "targets.services.intro": (
            "The services active on {day} that cannot be done online that day, ranked by their "
            "requests through a non-digital channel (counter, phone, post...) in the 12 months to {day}: "
            "where bringing a service online next moves the figures most."
        ),
        "targets.services.catalogue": (
            "On {day}, {online} of {active} active services can be done online ({share}). Each service "
            "brought online adds {step} to the share of services available online."
        ),
        "targets.services.needed": "Reaching the target of {target} takes {needed} services online: {more} more.",
        "targets.services.reached": "{online} services online already reach the target of {target}.",
        "targets.services.all_online": "Every service active on {day} can be done online.",
        "targets.services.no_gold": (
            "The lake has no service catalogue or request facts (dim_service, fct_requests): the "
            "services not online cannot be listed."
        ),
        "targets.services.no_requests": "No request of the 12 months to {day} in the lake.",
        "targets.col.service": "Service",
        "targets.col.service_code": "Code",
        "targets.col.online_from": "Online from (planned)",
        "targets.col.non_digital_requests": "Non-digital requests, 12 months",
        "targets.col.requests": "All requests, 12 months",
        "targets.col.demand_share": "Share of the demand",
        "targets.col.catalogue_requests": "Requests for catalogue services, 12 months",
        "targets.services.share_help": (
            "The service's requests divided by all the requests for a service of the catalogue in the 12 "
            "months: how much the share of demand covered by online services would gain had it been online."
        ),
    },
    "fr": {
        "targets.title": "Objectifs",
        "targets.question": "Atteindrons-nous les objectifs, et qu'est-ce qui nous freine ?",
        "targets.intro": (
            "Chaque objectif tel qu'il se présentait fin {month}, dernier mois de la période choisie, "
            "avec une droite ajustée sur les 12 dernières valeurs mensuelles et prolongée jusqu'à l'échéance."
        ),
        "targets.no_gold": (
            "Le lac ne contient pas encore de suivi des objectifs (kpi_target_status) : lancez d'abord `civiclake run`."
        ),
        "targets.none": "Aucun objectif n'est fixé pour {commune} jusqu'au {day} (configuration : `targets`).",
        "targets.status.met": "atteint",
        "targets.status.on track": "en bonne voie",
        "targets.status.at risk": "menacé",
        "targets.status.off track": "hors trajectoire",
        "targets.status.unknown": "trop peu de mois pour juger",
        "targets.tile.help": (
            "Atteint : la dernière valeur atteint l'objectif. En bonne voie : tout l'intervalle à 95 % à "
            "l'échéance l'atteint. Menacé : l'intervalle chevauche l'objectif. Hors trajectoire : même sa "
            "borne favorable le manque, ou l'échéance est passée sans l'atteindre."
        ),
        "targets.tile.terms": "{numerator} sur {denominator}, {month}",
        "targets.tile.as_of": "Valeur de {month}",
        "targets.tile.target": "Objectif : {target} au {deadline}",
        "targets.tile.gap_to_go": "Écart : encore {gap}",
        "targets.tile.gap_beyond": "Écart : aucun, {gap} au-delà de l'objectif",
        "targets.tile.status": "État : {status}",
        "targets.tile.projection": "Projection au {deadline} : {value} (intervalle à 95 % de {low} à {high})",
        "targets.tile.no_projection": "Pas de projection : {months} des 3 valeurs mensuelles nécessaires",
        "targets.points": "{value} pts",
        "targets.trend.title": "{kpi} : valeurs mensuelles et projection au {deadline}",
        "targets.trend.x": "Mois",
        "targets.trend.label.value": "Valeur mensuelle",
        "targets.trend.label.target": "Objectif {target}",
        "targets.trend.label.projection": "Projection {value}",
        "targets.trend.label.band": "Intervalle à 95 %",
        "targets.trend.empty": "Pas de valeurs mensuelles de {kpi} jusqu'au {day}.",
        "targets.trend.desc": (
            "{kpi}, {count} valeurs mensuelles de {first_month} ({first_value}) à {last_month} "
            "({last_value}) ; objectif {target} au {deadline} (ligne horizontale en tirets)."
        ),
        "targets.trend.desc_projection": (
            " Ligne pointillée : la projection au {deadline}, {value} ; zone grisée : son intervalle à "
            "95 %, de {low} à {high}."
        ),
        "targets.services.title": "Services pas encore en ligne, selon la demande qu'ils portent",
        "targets.services.intro": (
            "Les services actifs au {day} qui ne peuvent pas encore se faire en ligne ce jour-là, classés "
            "par leurs demandes reçues par un canal non numérique (guichet, téléphone, courrier...) sur "
            "les 12 mois jusqu'au {day} : là où mettre un service en ligne fait le plus bouger les chiffres."
        ),
        "targets.services.catalogue": (
            "Au {day}, {online} des {active} services actifs se font en ligne ({share}). Chaque service "
            "mis en ligne ajoute {step} à la part des services accessibles en ligne."
        ),
        "targets.services.needed": (
            "Atteindre l'objectif de {target} demande {needed} services en ligne : encore {more}."
        ),
        "targets.services.reached": "Les {online} services en ligne atteignent déjà l'objectif de {target}.",
        "targets.services.all_online": "Tous les services actifs au {day} se font en ligne.",
        "targets.services.no_gold": (
            "Le lac ne contient pas le catalogue des services ou les demandes (dim_service, "
            "fct_requests) : impossible de lister les services pas encore en ligne."
        ),
        "targets.services.no_requests": "Aucune demande sur les 12 mois jusqu'au {day} dans le lac.",
        "targets.col.service": "Service",
        "targets.col.service_code": "Code",
        "targets.col.online_from": "En ligne à partir du (prévu)",
        "targets.col.non_digital_requests": "Demandes non numériques, 12 mois",
        "targets.col.requests": "Toutes les demandes, 12 mois",
        "targets.col.demand_share": "Part de la demande",
        "targets.col.catalogue_requests": "Demandes pour un service du catalogue, 12 mois",
        "targets.services.share_help": (
            "Les demandes du service divisées par toutes les demandes pour un service du catalogue sur "
            "les 12 mois : ce que gagnerait la part de la demande couverte par les services en ligne s'il "
            "avait été en ligne."
        ),
    },
    "nl": {
        "targets.title": "Doelstellingen",
        "targets.question": "Halen we de doelstellingen, en wat houdt ons tegen?",
        "targets.intro": (
            "Elke doelstelling zoals ze er eind {month} voor stond, de laatste maand van de gekozen "
            "periode, met een rechte door de laatste 12 maandwaarden, doorgetrokken tot de deadline."
        ),
        "targets.no_gold": (
            "Het meer bevat nog geen opvolging van de doelstellingen (kpi_target_status): voer eerst "
            "`civiclake run` uit."
        ),
        "targets.none": "Er is geen doelstelling vastgelegd voor {commune} tot {day} (configuratie: `targets`).",
        "targets.status.met": "gehaald",
        "targets.status.on track": "op koers",
        "targets.status.at risk": "in gevaar",
        "targets.status.off track": "uit koers",
        "targets.status.unknown": "te weinig maanden om te oordelen",
        "targets.tile.help": (
            "Gehaald: de laatste waarde haalt de doelstelling. Op koers: het hele 95 %-interval op de "
            "deadline haalt ze. In gevaar: het interval ligt aan beide kanten van de doelstelling. Uit "
            "koers: zelfs de gunstige grens mist ze, of de deadline is voorbij zonder ze te halen."
        ),
        "targets.tile.terms": "{numerator} van {denominator}, {month}",
        "targets.tile.as_of": "Waarde van {month}",
        "targets.tile.target": "Doelstelling: {target} tegen {deadline}",
        "targets.tile.gap_to_go": "Verschil: nog {gap}",
        "targets.tile.gap_beyond": "Verschil: geen, {gap} boven de doelstelling",
        "targets.tile.status": "Stand: {status}",
        "targets.tile.projection": "Projectie voor {deadline}: {value} (95 %-interval van {low} tot {high})",
        "targets.tile.no_projection": "Geen projectie: {months} van de 3 nodige maandwaarden",
        "targets.points": "{value} procentpunt",
        "targets.trend.title": "{kpi}: maandwaarden en projectie tot {deadline}",
        "targets.trend.x": "Maand",
        "targets.trend.label.value": "Maandwaarde",
        "targets.trend.label.target": "Doelstelling {target}",
        "targets.trend.label.projection": "Projectie {value}",
        "targets.trend.label.band": "95 %-interval",
        "targets.trend.empty": "Geen maandwaarden van {kpi} tot {day}.",
        "targets.trend.desc": (
            "{kpi}, {count} maandwaarden van {first_month} ({first_value}) tot {last_month} "
            "({last_value}); doelstelling {target} tegen {deadline} (gestreepte horizontale lijn)."
        ),
        "targets.trend.desc_projection": (
            " Stippellijn: de projectie tot {deadline}, {value}; gearceerde band: het 95 %-interval van "
            "{low} tot {high}."
        ),
        "targets.services.title": "Diensten die nog niet online zijn, naar de vraag die ze dragen",
        "targets.services.intro": (
            "De diensten die actief zijn op {day} en die dag nog niet online kunnen, gerangschikt naar "
            "hun aanvragen via een niet-digitaal kanaal (loket, telefoon, post...) in de 12 maanden tot "
            "{day}: waar een dienst online brengen de cijfers het meest doet bewegen."
        ),
        "targets.services.catalogue": (
            "Op {day} kunnen {online} van de {active} actieve diensten online ({share}). Elke dienst die "
            "online komt, voegt {step} toe aan het aandeel online beschikbare diensten."
        ),
        "targets.services.needed": "De doelstelling van {target} vraagt {needed} online diensten: nog {more}.",
        "targets.services.reached": "De {online} online diensten halen de doelstelling van {target} al.",
        "targets.services.all_online": "Alle diensten die actief zijn op {day} kunnen online.",
        "targets.services.no_gold": (
            "Het meer bevat de dienstencatalogus of de aanvragen niet (dim_service, fct_requests): de "
            "diensten die nog niet online zijn, kunnen niet getoond worden."
        ),
        "targets.services.no_requests": "Geen aanvragen in de 12 maanden tot {day} in het meer.",
        "targets.col.service": "Dienst",
        "targets.col.service_code": "Code",
        "targets.col.online_from": "Online vanaf (gepland)",
        "targets.col.non_digital_requests": "Niet-digitale aanvragen, 12 maanden",
        "targets.col.requests": "Alle aanvragen, 12 maanden",
        "targets.col.demand_share": "Aandeel van de vraag",
        "targets.col.catalogue_requests": "Aanvragen voor een dienst uit de catalogus, 12 maanden",
        "targets.services.share_help": (
            "De aanvragen van de dienst gedeeld door alle aanvragen voor een dienst uit de catalogus in de "
            "12 maanden: wat het aandeel van de vraag gedekt door online diensten zou winnen als hij online "
            "was geweest."
        ),
    },
}
