"""Texts of the "Contact centre" page (dashboards/views/contact_centre.py), in EN, FR and NL.

KPI names follow docs/kpis.md (FR/NL/EN columns of the contact-centre table).
"""

TEXTS = {
    "en": {
        "contact_centre.title": "Contact centre",
        "contact_centre.intro": "{commune}, {period}: calls that entered a queue of the contact centre.",
        "contact_centre.service_ignored": "The service filter does not apply here: calls carry no service.",
        "contact_centre.no_table": "No contact-centre figures in {gold} (kpi_contact_centre): run `civiclake run` "
        "with a call source configured.",
        "contact_centre.no_figures": "No contact-centre figures for {commune}, {period}.",
        "contact_centre.kpi.calls_offered": "Calls offered",
        "contact_centre.kpi.calls_answered": "Calls answered",
        "contact_centre.kpi.calls_abandoned": "Calls abandoned",
        "contact_centre.kpi.calls_short_abandoned": "Short abandons",
        "contact_centre.kpi.abandonment_rate": "Abandonment rate",
        "contact_centre.kpi.service_level": "Service level",
        "contact_centre.kpi.average_speed_of_answer": "Average speed of answer",
        "contact_centre.kpi.average_handle_time": "Average handle time",
        "contact_centre.help.calls_offered": "Calls that entered a queue: answered + abandoned + short abandons.",
        "contact_centre.help.calls_answered": "Calls connected to an agent (transferred calls included).",
        "contact_centre.help.calls_abandoned": (
            "Calls that left the queue before an agent answered (hang-up, time-out, empty queue), "
            "short abandons (under 5 s) excluded."
        ),
        "contact_centre.help.abandonment_rate": "Calls abandoned divided by calls offered.",
        "contact_centre.help.service_level": (
            "Calls answered within 20 s divided by calls answered plus calls abandoned after more than 20 s. "
            "Short abandons are in neither."
        ),
        "contact_centre.help.average_speed_of_answer": "Mean queue wait of answered calls, in seconds.",
        "contact_centre.help.average_handle_time": (
            "Mean talk time of answered calls, in seconds (the queue log has no wrap-up time)."
        ),
        "contact_centre.caption.calls_offered": "{numerator} calls entered a queue",
        "contact_centre.caption.calls_answered": "{numerator} of {denominator} calls offered",
        "contact_centre.caption.calls_abandoned": "plus {short} short abandons (under 5 s), counted apart",
        "contact_centre.caption.abandonment_rate": "{numerator} abandoned of {denominator} calls offered",
        "contact_centre.caption.service_level": "{numerator} of {denominator} calls answered within 20 s",
        "contact_centre.caption.average_speed_of_answer": "{numerator} s of waiting over {denominator} answered calls",
        "contact_centre.caption.average_handle_time": "{numerator} s of talk over {denominator} answered calls",
        "contact_centre.target.target": "Target: {value}",
        "contact_centre.target.reference": "Reference: {value}",
        "contact_centre.target.none": "No target",
        "contact_centre.target.help": (
            "A target comes from the commune's configuration (kpi_target_status); otherwise the page shows "
            "a reference value: service level 80 % within 20 s, speed of answer 20 s, no reference for the "
            "handle time."
        ),
        "contact_centre.seconds": "{value} s",
        "contact_centre.kpi.missing": "No figure for this period",
        "contact_centre.queues.title": "By queue",
        "contact_centre.queues.caption": "The KPIs of each queue for {period}; shares with their numerator "
        "and denominator.",
        "contact_centre.queues.empty": "No figures by queue for this period.",
        "contact_centre.col.queue": "Queue",
        "contact_centre.col.calls_offered": "Calls offered",
        "contact_centre.col.calls_answered": "Calls answered",
        "contact_centre.col.calls_abandoned": "Calls abandoned",
        "contact_centre.col.calls_short_abandoned": "Short abandons",
        "contact_centre.col.abandonment_rate": "Abandonment rate",
        "contact_centre.col.service_level_numerator": "Answered within 20 s",
        "contact_centre.col.service_level_denominator": "Answered + abandoned after 20 s",
        "contact_centre.col.service_level": "Service level",
        "contact_centre.col.average_speed_of_answer": "Average speed of answer (s)",
        "contact_centre.col.average_handle_time": "Average handle time (s)",
        "contact_centre.col.day": "Day",
        "contact_centre.col.hour": "Hour",
        "contact_centre.col.kpi": "KPI",
        "contact_centre.col.calls": "Calls",
        "contact_centre.col.value": "Value",
        "contact_centre.col.numerator": "Numerator",
        "contact_centre.col.denominator": "Denominator",
        "contact_centre.col.outcome": "Outcome",
        "contact_centre.col.target": "Target or reference",
        "contact_centre.daily.title": "Calls by day",
        "contact_centre.daily.y": "Calls per day",
        "contact_centre.daily.empty": "No daily figures for this period.",
        "contact_centre.daily.description": (
            "Calls by day from {first} to {last}: {offered} offered, {answered} answered, {abandoned} "
            "abandoned. Busiest day {busiest_day} with {busiest} calls offered; quietest {quietest_day} with "
            "{quietest}."
        ),
        "contact_centre.hourly.title": "Calls by hour of the day",
        "contact_centre.hourly.caption": "Local hour at which the call entered the queue, over the whole period.",
        "contact_centre.hourly.y": "Calls",
        "contact_centre.hourly.empty": "No calls in fct_calls for this period.",
        "contact_centre.hourly.description": (
            "Calls by hour of entering the queue: the busiest hour is {hour}:00 to {next}:00 with {offered} "
            "calls offered ({share}, {offered} of {total}); {answered} answered, {abandoned} abandoned and "
            "{short} short abandons in that hour."
        ),
        "contact_centre.outcome.offered": "Offered",
        "contact_centre.outcome.answered": "Answered",
        "contact_centre.outcome.abandoned": "Abandoned",
        "contact_centre.outcome.short_abandoned": "Short abandons",
        "contact_centre.perf.title": "Service level, speed of answer and handle time by day",
        "contact_centre.perf.caption": "Dashed line: the target, or the reference value where the commune has none.",
        "contact_centre.perf.description_target": (
            "{kpi} by day from {first} to {last}: {met} of {days} days at or better than the {kind} of {target}; "
            "best {best} on {best_day}, worst {worst} on {worst_day}."
        ),
        "contact_centre.perf.description_none": (
            "{kpi} by day from {first} to {last}, no target: from {best} on {best_day} to {worst} on {worst_day}."
        ),
        "contact_centre.kind.target": "target",
        "contact_centre.kind.reference": "reference",
        "contact_centre.figures.title": "Daily figures",
        "contact_centre.figures.caption": "The day rows of kpi_contact_centre behind the charts.",
    },
    "fr": {
        "contact_centre.title": "Centre de contact",
        "contact_centre.intro": "{commune}, {period} : appels entrés dans une file d'attente du centre de contact.",
        "contact_centre.service_ignored": "Le filtre de service ne s'applique pas ici : les appels n'ont pas de "
        "service.",
        "contact_centre.no_table": "Pas de chiffres du centre de contact dans {gold} (kpi_contact_centre) : "
        "lancez `civiclake run` avec une source d'appels configurée.",
        "contact_centre.no_figures": "Pas de chiffres du centre de contact pour {commune}, {period}.",
        "contact_centre.kpi.calls_offered": "Appels reçus",
        "contact_centre.kpi.calls_answered": "Appels répondus",
        "contact_centre.kpi.calls_abandoned": "Appels abandonnés",
        "contact_centre.kpi.calls_short_abandoned": "Abandons courts",
        "contact_centre.kpi.abandonment_rate": "Taux d'abandon",
        "contact_centre.kpi.service_level": "Niveau de service",
        "contact_centre.kpi.average_speed_of_answer": "Temps moyen de réponse",
        "contact_centre.kpi.average_handle_time": "Durée moyenne de traitement",
        "contact_centre.help.calls_offered": "Appels entrés dans une file : répondus + abandonnés + abandons courts.",
        "contact_centre.help.calls_answered": "Appels mis en relation avec un agent (appels transférés compris).",
        "contact_centre.help.calls_abandoned": (
            "Appels sortis de la file avant la réponse d'un agent (raccroché, délai dépassé, file vide), "
            "abandons courts (moins de 5 s) exclus."
        ),
        "contact_centre.help.abandonment_rate": "Appels abandonnés divisés par les appels reçus.",
        "contact_centre.help.service_level": (
            "Appels répondus en 20 s au plus divisés par les appels répondus plus les appels abandonnés après "
            "plus de 20 s. Les abandons courts ne comptent dans aucun des deux."
        ),
        "contact_centre.help.average_speed_of_answer": "Attente moyenne en file des appels répondus, en secondes.",
        "contact_centre.help.average_handle_time": (
            "Durée moyenne de conversation des appels répondus, en secondes (le journal des files n'a pas de "
            "temps de post-traitement)."
        ),
        "contact_centre.caption.calls_offered": "{numerator} appels entrés dans une file",
        "contact_centre.caption.calls_answered": "{numerator} sur {denominator} appels reçus",
        "contact_centre.caption.calls_abandoned": "plus {short} abandons courts (moins de 5 s), comptés à part",
        "contact_centre.caption.abandonment_rate": "{numerator} abandonnés sur {denominator} appels reçus",
        "contact_centre.caption.service_level": "{numerator} sur {denominator} appels répondus en 20 s",
        "contact_centre.caption.average_speed_of_answer": "{numerator} s d'attente pour {denominator} appels répondus",
        "contact_centre.caption.average_handle_time": "{numerator} s de conversation pour {denominator} appels "
        "répondus",
        "contact_centre.target.target": "Objectif : {value}",
        "contact_centre.target.reference": "Référence : {value}",
        "contact_centre.target.none": "Pas d'objectif",
        "contact_centre.target.help": (
            "Un objectif vient de la configuration de la commune (kpi_target_status) ; sinon la page montre "
            "une valeur de référence : niveau de service 80 % en 20 s, temps de réponse 20 s, pas de "
            "référence pour la durée de traitement."
        ),
        "contact_centre.seconds": "{value} s",
        "contact_centre.kpi.missing": "Pas de chiffre pour cette période",
        "contact_centre.queues.title": "Par file d'attente",
        "contact_centre.queues.caption": "Les indicateurs de chaque file pour {period} ; les parts avec leur "
        "numérateur et leur dénominateur.",
        "contact_centre.queues.empty": "Pas de chiffres par file pour cette période.",
        "contact_centre.col.queue": "File",
        "contact_centre.col.calls_offered": "Appels reçus",
        "contact_centre.col.calls_answered": "Appels répondus",
        "contact_centre.col.calls_abandoned": "Appels abandonnés",
        "contact_centre.col.calls_short_abandoned": "Abandons courts",
        "contact_centre.col.abandonment_rate": "Taux d'abandon",
        "contact_centre.col.service_level_numerator": "Répondus en 20 s",
        "contact_centre.col.service_level_denominator": "Répondus + abandonnés après 20 s",
        "contact_centre.col.service_level": "Niveau de service",
        "contact_centre.col.average_speed_of_answer": "Temps moyen de réponse (s)",
        "contact_centre.col.average_handle_time": "Durée moyenne de traitement (s)",
        "contact_centre.col.day": "Jour",
        "contact_centre.col.hour": "Heure",
        "contact_centre.col.kpi": "Indicateur",
        "contact_centre.col.calls": "Appels",
        "contact_centre.col.value": "Valeur",
        "contact_centre.col.numerator": "Numérateur",
        "contact_centre.col.denominator": "Dénominateur",
        "contact_centre.col.outcome": "Issue",
        "contact_centre.col.target": "Objectif ou référence",
        "contact_centre.daily.title": "Appels par jour",
        "contact_centre.daily.y": "Appels par jour",
        "contact_centre.daily.empty": "Pas de chiffres journaliers pour cette période.",
        "contact_centre.daily.description": (
            "Appels par jour du {first} au {last} : {offered} reçus, {answered} répondus, {abandoned} "
            "abandonnés. Jour le plus chargé : {busiest_day}, {busiest} appels reçus ; le plus calme : "
            "{quietest_day}, {quietest}."
        ),
        "contact_centre.hourly.title": "Appels par heure de la journée",
        "contact_centre.hourly.caption": "Heure locale d'entrée de l'appel dans la file, sur toute la période.",
        "contact_centre.hourly.y": "Appels",
        "contact_centre.hourly.empty": "Pas d'appels dans fct_calls pour cette période.",
        "contact_centre.hourly.description": (
            "Appels par heure d'entrée dans la file : l'heure la plus chargée est de {hour} h à {next} h avec "
            "{offered} appels reçus ({share}, {offered} sur {total}) ; {answered} répondus, {abandoned} "
            "abandonnés et {short} abandons courts dans cette heure."
        ),
        "contact_centre.outcome.offered": "Reçus",
        "contact_centre.outcome.answered": "Répondus",
        "contact_centre.outcome.abandoned": "Abandonnés",
        "contact_centre.outcome.short_abandoned": "Abandons courts",
        "contact_centre.perf.title": "Niveau de service, temps de réponse et durée de traitement par jour",
        "contact_centre.perf.caption": "Ligne pointillée : l'objectif, ou la valeur de référence si la commune "
        "n'en a pas.",
        "contact_centre.perf.description_target": (
            "{kpi} par jour du {first} au {last} : {met} jours sur {days} à la hauteur de la {kind} de {target} "
            "ou mieux ; meilleur {best} le {best_day}, pire {worst} le {worst_day}."
        ),
        "contact_centre.perf.description_none": (
            "{kpi} par jour du {first} au {last}, sans objectif : de {best} le {best_day} à {worst} le {worst_day}."
        ),
        "contact_centre.kind.target": "cible",
        "contact_centre.kind.reference": "référence",
        "contact_centre.figures.title": "Chiffres journaliers",
        "contact_centre.figures.caption": "Les lignes journalières de kpi_contact_centre derrière les graphiques.",
    },
    "nl": {
        "contact_centre.title": "Contactcenter",
        "contact_centre.intro": "{commune}, {period}: oproepen die in een wachtrij van het contactcenter kwamen.",
        "contact_centre.service_ignored": "De dienstfilter geldt hier niet: oproepen hebben geen dienst.",
        "contact_centre.no_table": "Geen cijfers van het contactcenter in {gold} (kpi_contact_centre): voer "
        "`civiclake run` uit met een geconfigureerde oproepenbron.",
        "contact_centre.no_figures": "Geen cijfers van het contactcenter voor {commune}, {period}.",
        "contact_centre.kpi.calls_offered": "Aangeboden oproepen",
        "contact_centre.kpi.calls_answered": "Beantwoorde oproepen",
        "contact_centre.kpi.calls_abandoned": "Opgegeven oproepen",
        "contact_centre.kpi.calls_short_abandoned": "Korte afhakers",
        "contact_centre.kpi.abandonment_rate": "Afhaakpercentage",
        "contact_centre.kpi.service_level": "Serviceniveau",
        "contact_centre.kpi.average_speed_of_answer": "Gemiddelde antwoordsnelheid",
        "contact_centre.kpi.average_handle_time": "Gemiddelde afhandeltijd",
        "contact_centre.help.calls_offered": "Oproepen die in een wachtrij kwamen: beantwoord + opgegeven + korte "
        "afhakers.",
        "contact_centre.help.calls_answered": (
            "Oproepen verbonden met een medewerker (doorverbonden oproepen inbegrepen)."
        ),
        "contact_centre.help.calls_abandoned": (
            "Oproepen die de wachtrij verlieten voor een medewerker antwoordde (opgehangen, time-out, lege "
            "wachtrij), korte afhakers (minder dan 5 s) niet meegeteld."
        ),
        "contact_centre.help.abandonment_rate": "Opgegeven oproepen gedeeld door aangeboden oproepen.",
        "contact_centre.help.service_level": (
            "Oproepen beantwoord binnen 20 s gedeeld door beantwoorde oproepen plus oproepen opgegeven na meer "
            "dan 20 s. Korte afhakers tellen in geen van beide mee."
        ),
        "contact_centre.help.average_speed_of_answer": "Gemiddelde wachttijd van beantwoorde oproepen, in seconden.",
        "contact_centre.help.average_handle_time": (
            "Gemiddelde gespreksduur van beantwoorde oproepen, in seconden (het wachtrijlogboek kent geen nawerktijd)."
        ),
        "contact_centre.caption.calls_offered": "{numerator} oproepen kwamen in een wachtrij",
        "contact_centre.caption.calls_answered": "{numerator} van {denominator} aangeboden oproepen",
        "contact_centre.caption.calls_abandoned": "plus {short} korte afhakers (minder dan 5 s), apart geteld",
        "contact_centre.caption.abandonment_rate": "{numerator} opgegeven van {denominator} aangeboden oproepen",
        "contact_centre.caption.service_level": "{numerator} van {denominator} oproepen beantwoord binnen 20 s",
        "contact_centre.caption.average_speed_of_answer": "{numerator} s wachten over {denominator} beantwoorde "
        "oproepen",
        "contact_centre.caption.average_handle_time": "{numerator} s gesprek over {denominator} beantwoorde oproepen",
        "contact_centre.target.target": "Doel: {value}",
        "contact_centre.target.reference": "Referentie: {value}",
        "contact_centre.target.none": "Geen doel",
        "contact_centre.target.help": (
            "Een doel komt uit de configuratie van de gemeente (kpi_target_status); anders toont de pagina een "
            "referentiewaarde: serviceniveau 80 % binnen 20 s, antwoordsnelheid 20 s, geen referentie voor de "
            "afhandeltijd."
        ),
        "contact_centre.seconds": "{value} s",
        "contact_centre.kpi.missing": "Geen cijfer voor deze periode",
        "contact_centre.queues.title": "Per wachtrij",
        "contact_centre.queues.caption": "De indicatoren van elke wachtrij voor {period}; aandelen met hun teller "
        "en noemer.",
        "contact_centre.queues.empty": "Geen cijfers per wachtrij voor deze periode.",
        "contact_centre.col.queue": "Wachtrij",
        "contact_centre.col.calls_offered": "Aangeboden oproepen",
        "contact_centre.col.calls_answered": "Beantwoorde oproepen",
        "contact_centre.col.calls_abandoned": "Opgegeven oproepen",
        "contact_centre.col.calls_short_abandoned": "Korte afhakers",
        "contact_centre.col.abandonment_rate": "Afhaakpercentage",
        "contact_centre.col.service_level_numerator": "Beantwoord binnen 20 s",
        "contact_centre.col.service_level_denominator": "Beantwoord + opgegeven na 20 s",
        "contact_centre.col.service_level": "Serviceniveau",
        "contact_centre.col.average_speed_of_answer": "Gemiddelde antwoordsnelheid (s)",
        "contact_centre.col.average_handle_time": "Gemiddelde afhandeltijd (s)",
        "contact_centre.col.day": "Dag",
        "contact_centre.col.hour": "Uur",
        "contact_centre.col.kpi": "Indicator",
        "contact_centre.col.calls": "Oproepen",
        "contact_centre.col.value": "Waarde",
        "contact_centre.col.numerator": "Teller",
        "contact_centre.col.denominator": "Noemer",
        "contact_centre.col.outcome": "Afloop",
        "contact_centre.col.target": "Doel of referentie",
        "contact_centre.daily.title": "Oproepen per dag",
        "contact_centre.daily.y": "Oproepen per dag",
        "contact_centre.daily.empty": "Geen dagcijfers voor deze periode.",
        "contact_centre.daily.description": (
            "Oproepen per dag van {first} tot {last}: {offered} aangeboden, {answered} beantwoord, {abandoned} "
            "opgegeven. Drukste dag {busiest_day} met {busiest} aangeboden oproepen; rustigste {quietest_day} "
            "met {quietest}."
        ),
        "contact_centre.hourly.title": "Oproepen per uur van de dag",
        "contact_centre.hourly.caption": "Lokaal uur waarop de oproep in de wachtrij kwam, over de hele periode.",
        "contact_centre.hourly.y": "Oproepen",
        "contact_centre.hourly.empty": "Geen oproepen in fct_calls voor deze periode.",
        "contact_centre.hourly.description": (
            "Oproepen per uur van binnenkomst in de wachtrij: het drukste uur is {hour}:00 tot {next}:00 met "
            "{offered} aangeboden oproepen ({share}, {offered} van {total}); {answered} beantwoord, {abandoned} "
            "opgegeven en {short} korte afhakers in dat uur."
        ),
        "contact_centre.outcome.offered": "Aangeboden",
        "contact_centre.outcome.answered": "Beantwoord",
        "contact_centre.outcome.abandoned": "Opgegeven",
        "contact_centre.outcome.short_abandoned": "Korte afhakers",
        "contact_centre.perf.title": "Serviceniveau, antwoordsnelheid en afhandeltijd per dag",
        "contact_centre.perf.caption": "Stippellijn: het doel, of de referentiewaarde als de gemeente er geen heeft.",
        "contact_centre.perf.description_target": (
            "{kpi} per dag van {first} tot {last}: {met} van {days} dagen op of beter dan de {kind} van {target}; "
            "best {best} op {best_day}, slechtst {worst} op {worst_day}."
        ),
        "contact_centre.perf.description_none": (
            "{kpi} per dag van {first} tot {last}, zonder doel: van {best} op {best_day} tot {worst} op {worst_day}."
        ),
        "contact_centre.kind.target": "doelwaarde",
        "contact_centre.kind.reference": "referentiewaarde",
        "contact_centre.figures.title": "Dagcijfers",
        "contact_centre.figures.caption": "De dagrijen van kpi_contact_centre achter de grafieken.",
    },
}
