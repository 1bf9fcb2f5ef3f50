"""Texts of the "Channels" page (dashboards/views/channels.py), in English, French and Dutch."""

TEXTS = {
    "en": {
        "channels.title": "How citizens reach us",
        "channels.intro": (
            "For service managers and the digital team: through which channels requests come in, at what "
            "time of the week, how appointments are booked and how many citizens log in to the portal. "
            "{commune}, {period}, {service}."
        ),
        "channels.missing": "This part needs {tables} in {gold}: run `civiclake run` to build it.",
        "channels.digital": "digital",
        "channels.not_digital": "not digital",
        # Channel mix
        "channels.mix.title": "Requests by channel, month by month ({year})",
        "channels.mix.mode": "Show the channels as",
        "channels.mix.mode.share": "shares of the month",
        "channels.mix.mode.count": "numbers of requests",
        "channels.mix.x": "Month",
        "channels.mix.y_share": "Share of the month's requests",
        "channels.mix.y_count": "Requests",
        "channels.mix.legend": "Channel (top to bottom)",
        "channels.mix.empty": "No request created in {year} for this selection.",
        "channels.mix.note": (
            "Channels are stacked in the order of the legend, from the top; the figure in a bar is the "
            "channel's share of the month (shown from 8%). Digital channels: {digital}."
        ),
        "channels.mix.description": (
            "Requests created in {year} by intake channel, month by month: {total} requests. By channel: "
            "{parts}. Digital channels: {digital} of {known} requests with a known channel ({share})."
        ),
        "channels.mix.part": "{channel} {share} ({count} of {total})",
        "channels.mix.table": "Requests by month and channel",
        # Weekday x hour heatmap
        "channels.heat.title": "When requests are created ({period})",
        "channels.heat.x": "Hour (local time)",
        "channels.heat.y": "Day of the week",
        "channels.heat.legend": "Requests",
        "channels.heat.empty": "No request created in this period for this selection.",
        "channels.heat.note": (
            "Each cell holds the number of requests created in that hour, darker when there are more. "
            "Framed cells: hours in which most requests fell within office hours."
        ),
        "channels.heat.description": (
            "Requests created from {start} to {end} by day of the week and hour (local time): {total} in "
            "all. Busiest hour: {day} {hour}:00-{hour}:59 with {count} requests. {office_cells} framed "
            "cells are mostly office hours ({office_span}). {after} of {total} requests ({share}) were "
            "created outside office hours."
        ),
        "channels.heat.no_office": "none",
        "channels.heat.table": "Requests by day of the week and hour",
        "channels.weekday.1": "Monday",
        "channels.weekday.2": "Tuesday",
        "channels.weekday.3": "Wednesday",
        "channels.weekday.4": "Thursday",
        "channels.weekday.5": "Friday",
        "channels.weekday.6": "Saturday",
        "channels.weekday.7": "Sunday",
        # Appointments
        "channels.appt.title": "Appointments",
        "channels.appt.scope": "Appointments for the service {service}.",
        "channels.appt.empty": "No appointment figures for this period and selection.",
        "channels.kpi.appointments_online_share": "Appointments booked online",
        "channels.kpi.appointments_cancellation_rate": "Cancellation rate",
        "channels.kpi.appointments_no_show_rate": "No-show rate",
        "channels.kpi.appointments_booked": "Appointments booked",
        "channels.help.appointments_online_share": (
            "Appointments booked through the online channel divided by all appointments booked in the "
            "period (by booking date)."
        ),
        "channels.help.appointments_cancellation_rate": (
            "Cancelled appointments divided by the appointments booked in the period (by booking date)."
        ),
        "channels.help.appointments_no_show_rate": (
            "No-shows divided by the appointments held or missed (attended + no-show), by the date of the slot."
        ),
        "channels.help.appointments_booked": "Appointments booked in the period (by booking date).",
        "channels.caption.appointments_online_share": "{numerator} of {denominator} appointments booked online",
        "channels.caption.appointments_cancellation_rate": "{numerator} of {denominator} booked appointments cancelled",
        "channels.caption.appointments_no_show_rate": (
            "{numerator} no-shows of {denominator} appointments held or missed"
        ),
        "channels.caption.appointments_booked": "{numerator} appointments booked",
        "channels.appt.trend_title": "Month by month ({year})",
        "channels.appt.y": "Share",
        "channels.appt.trend_empty": "No monthly appointment figures for {year}.",
        "channels.appt.description": (
            "Appointments month by month in {year}: {parts}. Lines differ by dash pattern and point shape."
        ),
        "channels.appt.part": "{kpi} from {first} ({first_month}) to {last} ({last_month})",
        "channels.appt.table": "Appointment figures",
        # Daily active citizens
        "channels.dac.title": "Citizens logged in to the portal each day",
        "channels.dac.scope": "Portal logins are not tied to a service: these figures are for all services.",
        "channels.kpi.daily_active_citizens_weekday_median": "Typical weekday (median)",
        "channels.kpi.daily_active_citizens": "Daily average",
        "channels.help.daily_active_citizens_weekday_median": (
            "Distinct citizens with at least one successful portal login on a day: the median over the "
            "Mondays to Fridays of the period."
        ),
        "channels.help.daily_active_citizens": (
            "Distinct citizens with at least one successful portal login on a day: the mean over the days "
            "of the period."
        ),
        "channels.caption.daily_active_citizens_weekday_median": "median of {denominator} weekdays",
        "channels.caption.daily_active_citizens": "{numerator} citizen-days over {denominator} days",
        "channels.dac.x": "Day",
        "channels.dac.y": "Citizens logged in",
        "channels.dac.median_label": "weekday median {value}",
        "channels.dac.empty": "No daily login figures for this period.",
        "channels.dac.description": (
            "Distinct citizens logged in to the portal each day from {start} to {end} ({days} days): from "
            "{low} on {low_day} to {high} on {high_day}. The dashed line is the weekday median, {median}."
        ),
        "channels.dac.table": "Citizens logged in per day",
        # Table columns
        "channels.col.month": "Month",
        "channels.col.channel": "Channel code",
        "channels.col.channel_name": "Channel",
        "channels.col.is_digital": "Digital",
        "channels.col.requests": "Requests",
        "channels.col.month_total": "Requests of the month",
        "channels.col.share": "Share of the month",
        "channels.col.iso_weekday": "ISO weekday",
        "channels.col.weekday": "Day",
        "channels.col.hour": "Hour",
        "channels.col.office_hours_requests": "Within office hours",
        "channels.col.after_hours_requests": "Outside office hours",
        "channels.col.mostly_office_hours": "Mostly office hours",
        "channels.col.day": "Day",
        "channels.col.citizens": "Citizens logged in",
        "channels.col.service_code": "Service",
    },
    "fr": {
        "channels.title": "Comment les citoyens nous contactent",
        "channels.intro": (
            "Pour les responsables de service et l'équipe numérique : par quels canaux arrivent les "
            "demandes, à quel moment de la semaine, comment les rendez-vous sont pris et combien de "
            "citoyens se connectent au portail. {commune}, {period}, {service}."
        ),
        "channels.missing": "Cette partie a besoin de {tables} dans {gold} : lancez `civiclake run` pour les produire.",
        "channels.digital": "numérique",
        "channels.not_digital": "non numérique",
        "channels.mix.title": "Demandes par canal, mois par mois ({year})",
        "channels.mix.mode": "Afficher les canaux en",
        "channels.mix.mode.share": "parts du mois",
        "channels.mix.mode.count": "nombres de demandes",
        "channels.mix.x": "Mois",
        "channels.mix.y_share": "Part des demandes du mois",
        "channels.mix.y_count": "Demandes",
        "channels.mix.legend": "Canal (de haut en bas)",
        "channels.mix.empty": "Aucune demande créée en {year} pour cette sélection.",
        "channels.mix.note": (
            "Les canaux sont empilés dans l'ordre de la légende, à partir du haut ; le chiffre dans une "
            "barre est la part du canal dans le mois (affichée à partir de 8 %). Canaux numériques : {digital}."
        ),
        "channels.mix.description": (
            "Demandes créées en {year} par canal d'entrée, mois par mois : {total} demandes. Par canal : "
            "{parts}. Canaux numériques : {digital} sur {known} demandes au canal connu ({share})."
        ),
        "channels.mix.part": "{channel} {share} ({count} sur {total})",
        "channels.mix.table": "Demandes par mois et par canal",
        "channels.heat.title": "Quand les demandes sont créées ({period})",
        "channels.heat.x": "Heure (heure locale)",
        "channels.heat.y": "Jour de la semaine",
        "channels.heat.legend": "Demandes",
        "channels.heat.empty": "Aucune demande créée pendant cette période pour cette sélection.",
        "channels.heat.note": (
            "Chaque case donne le nombre de demandes créées dans l'heure, plus foncée quand il y en a plus. "
            "Cases encadrées : heures où la plupart des demandes tombent pendant les heures d'ouverture."
        ),
        "channels.heat.description": (
            "Demandes créées du {start} au {end} par jour de la semaine et par heure (heure locale) : "
            "{total} au total. Heure la plus chargée : {day} {hour}:00-{hour}:59 avec {count} demandes. "
            "{office_cells} cases encadrées sont surtout pendant les heures d'ouverture ({office_span}). "
            "{after} demandes sur {total} ({share}) ont été créées en dehors des heures d'ouverture."
        ),
        "channels.heat.no_office": "aucune",
        "channels.heat.table": "Demandes par jour de la semaine et par heure",
        "channels.weekday.1": "Lundi",
        "channels.weekday.2": "Mardi",
        "channels.weekday.3": "Mercredi",
        "channels.weekday.4": "Jeudi",
        "channels.weekday.5": "Vendredi",
        "channels.weekday.6": "Samedi",
        "channels.weekday.7": "Dimanche",
        "channels.appt.title": "Rendez-vous",
        "channels.appt.scope": "Rendez-vous pour le service {service}.",
        "channels.appt.empty": "Pas de chiffres de rendez-vous pour cette période et cette sélection.",
        "channels.kpi.appointments_online_share": "Part des rendez-vous pris en ligne",
        "channels.kpi.appointments_cancellation_rate": "Taux d'annulation",
        "channels.kpi.appointments_no_show_rate": "Taux d'absence",
        "channels.kpi.appointments_booked": "Rendez-vous réservés",
        "channels.help.appointments_online_share": (
            "Rendez-vous réservés par le canal en ligne divisés par tous les rendez-vous réservés pendant "
            "la période (date de réservation)."
        ),
        "channels.help.appointments_cancellation_rate": (
            "Rendez-vous annulés divisés par les rendez-vous réservés pendant la période (date de réservation)."
        ),
        "channels.help.appointments_no_show_rate": (
            "Absences divisées par les rendez-vous honorés ou manqués (présents + absents), selon la date du créneau."
        ),
        "channels.help.appointments_booked": "Rendez-vous réservés pendant la période (date de réservation).",
        "channels.caption.appointments_online_share": "{numerator} sur {denominator} rendez-vous pris en ligne",
        "channels.caption.appointments_cancellation_rate": "{numerator} sur {denominator} rendez-vous réservés annulés",
        "channels.caption.appointments_no_show_rate": (
            "{numerator} absences sur {denominator} rendez-vous honorés ou manqués"
        ),
        "channels.caption.appointments_booked": "{numerator} rendez-vous réservés",
        "channels.appt.trend_title": "Mois par mois ({year})",
        "channels.appt.y": "Part",
        "channels.appt.trend_empty": "Pas de chiffres mensuels de rendez-vous pour {year}.",
        "channels.appt.description": (
            "Rendez-vous mois par mois en {year} : {parts}. Les lignes se distinguent par leur tracé et la "
            "forme de leurs points."
        ),
        "channels.appt.part": "{kpi} de {first} ({first_month}) à {last} ({last_month})",
        "channels.appt.table": "Chiffres des rendez-vous",
        "channels.dac.title": "Citoyens connectés au portail chaque jour",
        "channels.dac.scope": (
            "Les connexions au portail ne sont pas liées à un service : ces chiffres valent pour tous les services."
        ),
        "channels.kpi.daily_active_citizens_weekday_median": "Jour de semaine type (médiane)",
        "channels.kpi.daily_active_citizens": "Moyenne par jour",
        "channels.help.daily_active_citizens_weekday_median": (
            "Citoyens distincts avec au moins une connexion réussie au portail dans la journée : la médiane "
            "des lundis à vendredis de la période."
        ),
        "channels.help.daily_active_citizens": (
            "Citoyens distincts avec au moins une connexion réussie au portail dans la journée : la moyenne "
            "sur les jours de la période."
        ),
        "channels.caption.daily_active_citizens_weekday_median": "médiane de {denominator} jours de semaine",
        "channels.caption.daily_active_citizens": "{numerator} citoyens-jours sur {denominator} jours",
        "channels.dac.x": "Jour",
        "channels.dac.y": "Citoyens connectés",
        "channels.dac.median_label": "médiane des jours de semaine {value}",
        "channels.dac.empty": "Pas de chiffres quotidiens de connexion pour cette période.",
        "channels.dac.description": (
            "Citoyens distincts connectés au portail chaque jour du {start} au {end} ({days} jours) : de "
            "{low} le {low_day} à {high} le {high_day}. La ligne pointillée est la médiane des jours de "
            "semaine, {median}."
        ),
        "channels.dac.table": "Citoyens connectés par jour",
        "channels.col.month": "Mois",
        "channels.col.channel": "Code du canal",
        "channels.col.channel_name": "Canal",
        "channels.col.is_digital": "Numérique",
        "channels.col.requests": "Demandes",
        "channels.col.month_total": "Demandes du mois",
        "channels.col.share": "Part du mois",
        "channels.col.iso_weekday": "Jour ISO",
        "channels.col.weekday": "Jour",
        "channels.col.hour": "Heure",
        "channels.col.office_hours_requests": "Pendant les heures d'ouverture",
        "channels.col.after_hours_requests": "Hors heures d'ouverture",
        "channels.col.mostly_office_hours": "Surtout heures d'ouverture",
        "channels.col.day": "Jour",
        "channels.col.citizens": "Citoyens connectés",
        "channels.col.service_code": "Service",
    },
    "nl": {
        "channels.title": "Hoe burgers ons bereiken",
        "channels.intro": (
            "Voor diensthoofden en het digitale team: via welke kanalen aanvragen binnenkomen, op welk "
            "moment van de week, hoe afspraken geboekt worden en hoeveel burgers zich aanmelden op het "
            "portaal. {commune}, {period}, {service}."
        ),
        "channels.missing": "Dit deel heeft {tables} nodig in {gold}: voer `civiclake run` uit om ze aan te maken.",
        "channels.digital": "digitaal",
        "channels.not_digital": "niet digitaal",
        "channels.mix.title": "Aanvragen per kanaal, maand per maand ({year})",
        "channels.mix.mode": "Toon de kanalen als",
        "channels.mix.mode.share": "aandelen van de maand",
        "channels.mix.mode.count": "aantallen aanvragen",
        "channels.mix.x": "Maand",
        "channels.mix.y_share": "Aandeel van de aanvragen van de maand",
        "channels.mix.y_count": "Aanvragen",
        "channels.mix.legend": "Kanaal (van boven naar onder)",
        "channels.mix.empty": "Geen aanvragen aangemaakt in {year} voor deze selectie.",
        "channels.mix.note": (
            "De kanalen zijn gestapeld in de volgorde van de legende, van boven af; het cijfer in een balk "
            "is het aandeel van het kanaal in de maand (getoond vanaf 8%). Digitale kanalen: {digital}."
        ),
        "channels.mix.description": (
            "Aanvragen aangemaakt in {year} per intakekanaal, maand per maand: {total} aanvragen. Per kanaal: "
            "{parts}. Digitale kanalen: {digital} van {known} aanvragen met een gekend kanaal ({share})."
        ),
        "channels.mix.part": "{channel} {share} ({count} van {total})",
        "channels.mix.table": "Aanvragen per maand en kanaal",
        "channels.heat.title": "Wanneer aanvragen aangemaakt worden ({period})",
        "channels.heat.x": "Uur (lokale tijd)",
        "channels.heat.y": "Dag van de week",
        "channels.heat.legend": "Aanvragen",
        "channels.heat.empty": "Geen aanvragen aangemaakt in deze periode voor deze selectie.",
        "channels.heat.note": (
            "Elke cel geeft het aantal aanvragen aangemaakt in dat uur, donkerder als het er meer zijn. "
            "Omkaderde cellen: uren waarin de meeste aanvragen binnen de openingsuren vielen."
        ),
        "channels.heat.description": (
            "Aanvragen aangemaakt van {start} tot {end} per dag van de week en uur (lokale tijd): {total} in "
            "totaal. Drukste uur: {day} {hour}:00-{hour}:59 met {count} aanvragen. {office_cells} omkaderde "
            "cellen vallen grotendeels binnen de openingsuren ({office_span}). {after} van {total} "
            "aanvragen ({share}) werden buiten de openingsuren aangemaakt."
        ),
        "channels.heat.no_office": "geen",
        "channels.heat.table": "Aanvragen per dag van de week en uur",
        "channels.weekday.1": "Maandag",
        "channels.weekday.2": "Dinsdag",
        "channels.weekday.3": "Woensdag",
        "channels.weekday.4": "Donderdag",
        "channels.weekday.5": "Vrijdag",
        "channels.weekday.6": "Zaterdag",
        "channels.weekday.7": "Zondag",
        "channels.appt.title": "Afspraken",
        "channels.appt.scope": "Afspraken voor de dienst {service}.",
        "channels.appt.empty": "Geen afsprakencijfers voor deze periode en selectie.",
        "channels.kpi.appointments_online_share": "Aandeel online geboekte afspraken",
        "channels.kpi.appointments_cancellation_rate": "Annuleringsgraad",
        "channels.kpi.appointments_no_show_rate": "No-showgraad",
        "channels.kpi.appointments_booked": "Geboekte afspraken",
        "channels.help.appointments_online_share": (
            "Afspraken geboekt via het online kanaal gedeeld door alle afspraken geboekt in de periode (boekingsdatum)."
        ),
        "channels.help.appointments_cancellation_rate": (
            "Geannuleerde afspraken gedeeld door de afspraken geboekt in de periode (boekingsdatum)."
        ),
        "channels.help.appointments_no_show_rate": (
            "No-shows gedeeld door de nagekomen of gemiste afspraken (aanwezig + no-show), volgens de datum "
            "van het tijdslot."
        ),
        "channels.help.appointments_booked": "Afspraken geboekt in de periode (boekingsdatum).",
        "channels.caption.appointments_online_share": "{numerator} van {denominator} afspraken online geboekt",
        "channels.caption.appointments_cancellation_rate": (
            "{numerator} van {denominator} geboekte afspraken geannuleerd"
        ),
        "channels.caption.appointments_no_show_rate": (
            "{numerator} no-shows van {denominator} nagekomen of gemiste afspraken"
        ),
        "channels.caption.appointments_booked": "{numerator} afspraken geboekt",
        "channels.appt.trend_title": "Maand per maand ({year})",
        "channels.appt.y": "Aandeel",
        "channels.appt.trend_empty": "Geen maandcijfers over afspraken voor {year}.",
        "channels.appt.description": (
            "Afspraken maand per maand in {year}: {parts}. De lijnen verschillen in streepjespatroon en "
            "vorm van de punten."
        ),
        "channels.appt.part": "{kpi} van {first} ({first_month}) tot {last} ({last_month})",
        "channels.appt.table": "Afsprakencijfers",
        "channels.dac.title": "Burgers elke dag aangemeld op het portaal",
        "channels.dac.scope": (
            "Aanmeldingen op het portaal zijn niet aan een dienst gekoppeld: deze cijfers gelden voor alle diensten."
        ),
        "channels.kpi.daily_active_citizens_weekday_median": "Gewone weekdag (mediaan)",
        "channels.kpi.daily_active_citizens": "Gemiddelde per dag",
        "channels.help.daily_active_citizens_weekday_median": (
            "Verschillende burgers met minstens één geslaagde aanmelding op het portaal op een dag: de "
            "mediaan over de maandagen tot vrijdagen van de periode."
        ),
        "channels.help.daily_active_citizens": (
            "Verschillende burgers met minstens één geslaagde aanmelding op het portaal op een dag: het "
            "gemiddelde over de dagen van de periode."
        ),
        "channels.caption.daily_active_citizens_weekday_median": "mediaan van {denominator} weekdagen",
        "channels.caption.daily_active_citizens": "{numerator} burger-dagen over {denominator} dagen",
        "channels.dac.x": "Dag",
        "channels.dac.y": "Aangemelde burgers",
        "channels.dac.median_label": "mediaan weekdagen {value}",
        "channels.dac.empty": "Geen dagelijkse aanmeldcijfers voor deze periode.",
        "channels.dac.description": (
            "Verschillende burgers elke dag aangemeld op het portaal van {start} tot {end} ({days} dagen): "
            "van {low} op {low_day} tot {high} op {high_day}. De stippellijn is de mediaan van de "
            "weekdagen, {median}."
        ),
        "channels.dac.table": "Aangemelde burgers per dag",
        "channels.col.month": "Maand",
        "channels.col.channel": "Kanaalcode",
        "channels.col.channel_name": "Kanaal",
        "channels.col.is_digital": "Digitaal",
        "channels.col.requests": "Aanvragen",
        "channels.col.month_total": "Aanvragen van de maand",
        "channels.col.share": "Aandeel van de maand",
        "channels.col.iso_weekday": "ISO-weekdag",
        "channels.col.weekday": "Dag",
        "channels.col.hour": "Uur",
        "channels.col.office_hours_requests": "Binnen de openingsuren",
        "channels.col.after_hours_requests": "Buiten de openingsuren",
        "channels.col.mostly_office_hours": "Grotendeels openingsuren",
        "channels.col.day": "Dag",
        "channels.col.citizens": "Aangemelde burgers",
        "channels.col.service_code": "Dienst",
    },
}
