"""Texts of the "Processes" page (dashboards/views/processes.py): where do the cases of a process wait?"""

TEXTS = {
    "en": {
        "processes.title": "Processes: where do cases wait?",
        "processes.intro": (
            "For service owners: how long the cases of a process take, how many are still open, where "
            "they wait between two steps and which paths they follow. {commune}, {period}."
        ),
        "processes.missing_gold": "The gold table(s) {names} are missing: run `civiclake run` with case events first.",
        "processes.no_cases": "No case of any process for this commune yet.",
        "processes.no_period": (
            "No processing figures for {period} (no case event in that period): choose another period."
        ),
        "processes.process": "Process",
        "processes.process_help": "Processes of the commune's case log, with the services that use them.",
        "processes.channel": "Intake channel",
        "processes.channel_help": (
            "Lead times, the channel comparison and the weekly throughput follow the channel; the backlog, "
            "the process map, the variants and the rework are for every channel of the process."
        ),
        "processes.all_channels": "All channels",
        "processes.no_services": "no service in the catalogue",
        "processes.service_note": "The sidebar service {service} is handled by process {process}.",
        "processes.scope_channel": (
            "Channel {channel}: the backlog, the process map, the variants and the rework below are for "
            "the whole process (the KPIs are not broken down by channel there)."
        ),
        # lead time
        "processes.lead.title": "Lead time of the cases closed in the period",
        "processes.kpi.cases_closed": "Cases closed",
        "processes.kpi.lead_time_median": "Median lead time",
        "processes.kpi.lead_time_p90": "Lead time, 90th percentile",
        "processes.kpi.sla_compliance": "SLA compliance",
        "processes.kpi.backlog": "Backlog at period end",
        "processes.kpi.rework_rate": "Rework rate",
        "processes.help.cases_closed": "Cases of the process closed in the period (local date of closing).",
        "processes.help.lead_time": (
            "Closing time minus first event of each closed case, in days (median / 90th percentile, inclusive method)."
        ),
        "processes.help.sla_compliance": (
            "Closed cases whose lead time is within the service's SLA (calendar days x 24 h, the limit "
            "included), divided by closed cases whose service has an SLA."
        ),
        "processes.help.backlog": "Cases open at the end of the period (at the last day of data if later).",
        "processes.help.rework_rate": (
            "Cases in which an activity occurs more than once divided by cases of the process, by period of "
            "the first event."
        ),
        "processes.caption.lead_time": "over {denominator} closed cases",
        "processes.caption.sla_compliance": "{numerator} of {denominator} closed cases with an SLA",
        "processes.caption.rework_rate": "{numerator} of {denominator} cases with rework",
        "processes.missing": "No figure for this period",
        "processes.days": "{value} days",
        "processes.days_short": "{value} d",
        "processes.hist.x": "Lead time (days)",
        "processes.hist.y": "Closed cases",
        "processes.hist.median": "median {value} d",
        "processes.hist.p90": "p90 {value} d",
        "processes.hist.empty": "No case of this process closed in the period.",
        "processes.hist.description": (
            "Histogram of the lead time of {count} cases closed in the period, in bars of {width} days. "
            "Median {median} days (solid line), 90th percentile {p90} days (dashed line). The tallest bar: "
            "{peak} cases between {low} and {high} days. The longest case took {longest} days."
        ),
        # backlog
        "processes.backlog.title": "Backlog at the end of the period",
        "processes.backlog.by_age": "Open cases by age (days since the first event)",
        "processes.backlog.commune_wide": (
            "The age buckets are not broken down by process in the data: the chart shows the open cases of "
            "every process of the commune ({total} cases), not only this process."
        ),
        "processes.backlog.process_wide": "Open cases of this process by age.",
        "processes.backlog.x": "Age (days)",
        "processes.backlog.y": "Open cases",
        "processes.backlog.empty": "No backlog figure for this period.",
        "processes.backlog.description": "Open cases at the end of the period by age: {buckets}.",
        "processes.backlog.bucket": "{bucket} days: {count}",
        "processes.bucket.0-7": "0-7",
        "processes.bucket.8-30": "8-30",
        "processes.bucket.31-90": "31-90",
        "processes.bucket.over 90": "over 90",
        # throughput
        "processes.throughput.title": "Throughput: cases opened and closed per week",
        "processes.throughput.x": "Week (starting Monday)",
        "processes.throughput.y": "Cases",
        "processes.throughput.opened": "Opened",
        "processes.throughput.closed": "Closed",
        "processes.throughput.series": "Cases",
        "processes.throughput.note": (
            "ISO weeks that overlap the period; the first and last weeks only count the days inside it."
        ),
        "processes.throughput.empty": "No case of this process opened or closed in the period.",
        "processes.throughput.description": (
            "Over {weeks} weeks, {opened} cases were opened (solid line, circles) and {closed} closed "
            "(dashed line, squares). Busiest week for new cases: {peak_week} with {peak} cases opened."
        ),
        "processes.throughput.table": "Weekly figures",
        # channels
        "processes.channels.title": "Lead time per intake channel",
        "processes.channels.caption": (
            "Do digital requests move faster? Median lead time of the process's cases closed in the period, "
            "per channel, fastest first."
        ),
        "processes.channels.empty": "No lead time per channel for this process and period.",
        "processes.channels.summary": (
            "Fastest channel: {fastest} ({fastest_median} days, {fastest_cases} cases); slowest: {slowest} "
            "({slowest_median} days, {slowest_cases} cases)."
        ),
        # map
        "processes.map.title": "Process map: where cases wait",
        "processes.map.weight": "Weigh the arrows by",
        "processes.map.weight.frequency": "Frequency (transitions)",
        "processes.map.weight.median": "Median wait (days)",
        "processes.map.month_note": (
            "Waits are computed per month, quarter, year and 12 months only: the map shows the month {month}, "
            "which contains the end of the period."
        ),
        "processes.map.empty": "No transition of this process in {period}.",
        "processes.map.explain": (
            "Boxes are activities; an arrow from A to B means B directly followed A in a case. The arrow's "
            "thickness follows the chosen weight; the bottleneck is drawn thick and dashed and labelled. A "
            "wait counts in the period in which the next activity starts."
        ),
        "processes.map.bottleneck_total": "bottleneck (total wait)",
        "processes.map.bottleneck_median": "bottleneck (median wait)",
        "processes.map.bottleneck_both": "bottleneck (total and median wait)",
        "processes.map.alt": (
            "Process map of {process}: {activities} activities and {transitions} transitions. {bottlenecks}"
        ),
        "processes.map.bottleneck_sentence_total": (
            "Largest total wait: {pair}, {count} times, {total} days in all (median {median} days)."
        ),
        "processes.map.bottleneck_sentence_median": (
            "Largest median wait among the pairs seen at least 30 times: {pair}, median {median} days over "
            "{count} transitions."
        ),
        "processes.map.no_bottleneck": "No bottleneck flagged.",
        "processes.map.table": "The transitions as a table",
        # variants
        "processes.variants.title": "Most frequent variants (paths through the process)",
        "processes.variants.caption": "Cases closed in {period}: the 10 most frequent sequences of activities.",
        "processes.variants.empty": "No variant for this process in {period}.",
        # rework
        "processes.rework.title": "Rework per activity",
        "processes.rework.caption": (
            "Cases in which the activity occurs more than once, divided by cases in which it occurs (cases "
            "opened in the period). Highest first."
        ),
        "processes.rework.empty": "No rework figure for this process and period.",
        # columns
        "processes.col.channel": "Channel",
        "processes.col.is_digital": "Digital",
        "processes.col.cases_closed": "Closed cases",
        "processes.col.lead_time_median_days": "Median lead time (days)",
        "processes.col.lead_time_p90_days": "Lead time p90 (days)",
        "processes.col.sla_within": "Within SLA",
        "processes.col.sla_cases": "Closed cases with an SLA",
        "processes.col.sla_compliance": "SLA compliance",
        "processes.col.from_activity": "From activity",
        "processes.col.to_activity": "To activity",
        "processes.col.transition_count": "Transitions",
        "processes.col.wait_median_days": "Median wait (days)",
        "processes.col.wait_p90_days": "Wait p90 (days)",
        "processes.col.wait_total_days": "Total wait (days)",
        "processes.col.wait_mean_days": "Mean wait (days)",
        "processes.col.is_bottleneck_total": "Bottleneck (total wait)",
        "processes.col.is_bottleneck_median": "Bottleneck (median wait)",
        "processes.col.variant_rank": "Rank",
        "processes.col.variant": "Sequence of activities",
        "processes.col.cases": "Cases",
        "processes.col.process_cases": "Closed cases of the process",
        "processes.col.share": "Share of cases",
        "processes.col.activity": "Activity",
        "processes.col.rework_cases": "Cases with rework",
        "processes.col.activity_cases": "Cases with the activity",
        "processes.col.rework_rate": "Rework rate",
        "processes.col.week_start": "Week of",
        "processes.col.cases_opened": "Cases opened",
    },
    "fr": {
        "processes.title": "Processus : où les dossiers attendent-ils ?",
        "processes.intro": (
            "Pour les responsables de service : combien de temps prennent les dossiers d'un processus, "
            "combien restent ouverts, où ils attendent entre deux étapes et quels chemins ils suivent. "
            "{commune}, {period}."
        ),
        "processes.missing_gold": (
            "Table(s) gold manquante(s) : {names}. Lancez d'abord `civiclake run` avec des événements de dossiers."
        ),
        "processes.no_cases": "Pas encore de dossier pour cette commune.",
        "processes.no_period": (
            "Pas de chiffres de traitement pour {period} (aucun événement de dossier dans cette période) : "
            "choisissez une autre période."
        ),
        "processes.process": "Processus",
        "processes.process_help": (
            "Processus du journal des dossiers de la commune, avec les services qui les utilisent."
        ),
        "processes.channel": "Canal d'entrée",
        "processes.channel_help": (
            "Les délais, la comparaison des canaux et le débit hebdomadaire suivent le canal ; les dossiers en "
            "cours, la carte du processus, les variantes et les reprises portent sur tous les canaux du processus."
        ),
        "processes.all_channels": "Tous les canaux",
        "processes.no_services": "aucun service au catalogue",
        "processes.service_note": "Le service {service} choisi à gauche est traité par le processus {process}.",
        "processes.scope_channel": (
            "Canal {channel} : les dossiers en cours, la carte du processus, les variantes et les reprises "
            "ci-dessous portent sur tout le processus (ces indicateurs ne sont pas ventilés par canal)."
        ),
        "processes.lead.title": "Délai de traitement des dossiers clôturés pendant la période",
        "processes.kpi.cases_closed": "Dossiers clôturés",
        "processes.kpi.lead_time_median": "Délai de traitement médian",
        "processes.kpi.lead_time_p90": "Délai de traitement, 90e centile",
        "processes.kpi.sla_compliance": "Respect du délai cible",
        "processes.kpi.backlog": "Dossiers en cours en fin de période",
        "processes.kpi.rework_rate": "Taux de reprise",
        "processes.help.cases_closed": "Dossiers du processus clôturés pendant la période (date locale de clôture).",
        "processes.help.lead_time": (
            "Heure de clôture moins premier événement de chaque dossier clôturé, en jours (médiane / 90e "
            "centile, méthode inclusive)."
        ),
        "processes.help.sla_compliance": (
            "Dossiers clôturés dont le délai respecte le délai cible du service (jours calendrier x 24 h, "
            "limite comprise), divisés par les dossiers clôturés dont le service a un délai cible."
        ),
        "processes.help.backlog": (
            "Dossiers ouverts à la fin de la période (au dernier jour de données si elle se termine plus tard)."
        ),
        "processes.help.rework_rate": (
            "Dossiers dans lesquels une activité se répète, divisés par les dossiers du processus, selon la "
            "période du premier événement."
        ),
        "processes.caption.lead_time": "sur {denominator} dossiers clôturés",
        "processes.caption.sla_compliance": "{numerator} sur {denominator} dossiers clôturés avec délai cible",
        "processes.caption.rework_rate": "{numerator} sur {denominator} dossiers avec reprise",
        "processes.missing": "Pas de chiffre pour cette période",
        "processes.days": "{value} jours",
        "processes.days_short": "{value} j",
        "processes.hist.x": "Délai de traitement (jours)",
        "processes.hist.y": "Dossiers clôturés",
        "processes.hist.median": "médiane {value} j",
        "processes.hist.p90": "p90 {value} j",
        "processes.hist.empty": "Aucun dossier de ce processus clôturé pendant la période.",
        "processes.hist.description": (
            "Histogramme du délai de traitement de {count} dossiers clôturés pendant la période, par tranches "
            "de {width} jours. Médiane {median} jours (trait plein), 90e centile {p90} jours (trait "
            "pointillé). La barre la plus haute : {peak} dossiers entre {low} et {high} jours. Le dossier le "
            "plus long a pris {longest} jours."
        ),
        "processes.backlog.title": "Dossiers en cours à la fin de la période",
        "processes.backlog.by_age": "Dossiers ouverts par ancienneté (jours depuis le premier événement)",
        "processes.backlog.commune_wide": (
            "Les tranches d'ancienneté ne sont pas ventilées par processus dans les données : le graphique "
            "montre les dossiers ouverts de tous les processus de la commune ({total} dossiers), pas "
            "seulement ce processus."
        ),
        "processes.backlog.process_wide": "Dossiers ouverts de ce processus par ancienneté.",
        "processes.backlog.x": "Ancienneté (jours)",
        "processes.backlog.y": "Dossiers ouverts",
        "processes.backlog.empty": "Pas de chiffre de dossiers en cours pour cette période.",
        "processes.backlog.description": "Dossiers ouverts à la fin de la période par ancienneté : {buckets}.",
        "processes.backlog.bucket": "{bucket} jours : {count}",
        "processes.bucket.0-7": "0-7",
        "processes.bucket.8-30": "8-30",
        "processes.bucket.31-90": "31-90",
        "processes.bucket.over 90": "plus de 90",
        "processes.throughput.title": "Débit : dossiers ouverts et clôturés par semaine",
        "processes.throughput.x": "Semaine (à partir du lundi)",
        "processes.throughput.y": "Dossiers",
        "processes.throughput.opened": "Ouverts",
        "processes.throughput.closed": "Clôturés",
        "processes.throughput.series": "Dossiers",
        "processes.throughput.note": (
            "Semaines ISO qui chevauchent la période ; la première et la dernière ne comptent que les jours "
            "qui en font partie."
        ),
        "processes.throughput.empty": "Aucun dossier de ce processus ouvert ou clôturé pendant la période.",
        "processes.throughput.description": (
            "Sur {weeks} semaines, {opened} dossiers ont été ouverts (trait plein, cercles) et {closed} "
            "clôturés (trait pointillé, carrés). Semaine la plus chargée en nouveaux dossiers : {peak_week}, "
            "avec {peak} dossiers ouverts."
        ),
        "processes.throughput.table": "Chiffres par semaine",
        "processes.channels.title": "Délai de traitement par canal d'entrée",
        "processes.channels.caption": (
            "Les demandes numériques avancent-elles plus vite ? Délai médian des dossiers du processus "
            "clôturés pendant la période, par canal, du plus rapide au plus lent."
        ),
        "processes.channels.empty": "Pas de délai par canal pour ce processus et cette période.",
        "processes.channels.summary": (
            "Canal le plus rapide : {fastest} ({fastest_median} jours, {fastest_cases} dossiers) ; le plus "
            "lent : {slowest} ({slowest_median} jours, {slowest_cases} dossiers)."
        ),
        "processes.map.title": "Carte du processus : où les dossiers attendent",
        "processes.map.weight": "Épaisseur des flèches selon",
        "processes.map.weight.frequency": "Fréquence (transitions)",
        "processes.map.weight.median": "Attente médiane (jours)",
        "processes.map.month_note": (
            "Les attentes ne sont calculées que par mois, trimestre, année et 12 mois : la carte montre le "
            "mois {month}, qui contient la fin de la période."
        ),
        "processes.map.empty": "Aucune transition de ce processus en {period}.",
        "processes.map.explain": (
            "Les cases sont les activités ; une flèche de A vers B signifie que B a suivi directement A dans "
            "un dossier. L'épaisseur suit le critère choisi ; le goulet d'étranglement est tracé épais, en "
            "pointillé, avec une étiquette. Une attente compte dans la période où commence l'activité suivante."
        ),
        "processes.map.bottleneck_total": "goulet d'étranglement (attente totale)",
        "processes.map.bottleneck_median": "goulet d'étranglement (attente médiane)",
        "processes.map.bottleneck_both": "goulet d'étranglement (attente totale et médiane)",
        "processes.map.alt": (
            "Carte du processus {process} : {activities} activités et {transitions} transitions. {bottlenecks}"
        ),
        "processes.map.bottleneck_sentence_total": (
            "Plus grande attente totale : {pair}, {count} fois, {total} jours au total (médiane {median} jours)."
        ),
        "processes.map.bottleneck_sentence_median": (
            "Plus grande attente médiane parmi les paires vues au moins 30 fois : {pair}, médiane {median} "
            "jours sur {count} transitions."
        ),
        "processes.map.no_bottleneck": "Aucun goulet d'étranglement signalé.",
        "processes.map.table": "Les transitions sous forme de tableau",
        "processes.variants.title": "Variantes les plus fréquentes (chemins dans le processus)",
        "processes.variants.caption": (
            "Dossiers clôturés en {period} : les 10 suites d'activités les plus fréquentes."
        ),
        "processes.variants.empty": "Aucune variante pour ce processus en {period}.",
        "processes.rework.title": "Reprises par activité",
        "processes.rework.caption": (
            "Dossiers dans lesquels l'activité se répète, divisés par les dossiers dans lesquels elle a lieu "
            "(dossiers ouverts pendant la période). Les plus élevés d'abord."
        ),
        "processes.rework.empty": "Pas de taux de reprise pour ce processus et cette période.",
        "processes.col.channel": "Canal",
        "processes.col.is_digital": "Numérique",
        "processes.col.cases_closed": "Dossiers clôturés",
        "processes.col.lead_time_median_days": "Délai médian (jours)",
        "processes.col.lead_time_p90_days": "Délai p90 (jours)",
        "processes.col.sla_within": "Dans le délai cible",
        "processes.col.sla_cases": "Dossiers clôturés avec délai cible",
        "processes.col.sla_compliance": "Respect du délai cible",
        "processes.col.from_activity": "Activité de départ",
        "processes.col.to_activity": "Activité suivante",
        "processes.col.transition_count": "Transitions",
        "processes.col.wait_median_days": "Attente médiane (jours)",
        "processes.col.wait_p90_days": "Attente p90 (jours)",
        "processes.col.wait_total_days": "Attente totale (jours)",
        "processes.col.wait_mean_days": "Attente moyenne (jours)",
        "processes.col.is_bottleneck_total": "Goulet (attente totale)",
        "processes.col.is_bottleneck_median": "Goulet (attente médiane)",
        "processes.col.variant_rank": "Rang",
        "processes.col.variant": "Suite d'activités",
        "processes.col.cases": "Dossiers",
        "processes.col.process_cases": "Dossiers clôturés du processus",
        "processes.col.share": "Part des dossiers",
        "processes.col.activity": "Activité",
        "processes.col.rework_cases": "Dossiers avec reprise",
        "processes.col.activity_cases": "Dossiers avec l'activité",
        "processes.col.rework_rate": "Taux de reprise",
        "processes.col.week_start": "Semaine du",
        "processes.col.cases_opened": "Dossiers ouverts",
    },
    "nl": {
        "processes.title": "Processen: waar wachten de dossiers?",
        "processes.intro": (
            "Voor diensthoofden: hoe lang de dossiers van een proces duren, hoeveel er nog openstaan, waar ze "
            "wachten tussen twee stappen en welke wegen ze volgen. {commune}, {period}."
        ),
        "processes.missing_gold": (
            "Ontbrekende gold-tabel(len): {names}. Voer eerst `civiclake run` uit met dossiergebeurtenissen."
        ),
        "processes.no_cases": "Nog geen dossiers voor deze gemeente.",
        "processes.no_period": (
            "Geen verwerkingscijfers voor {period} (geen dossiergebeurtenis in die periode): kies een andere periode."
        ),
        "processes.process": "Proces",
        "processes.process_help": "Processen uit het dossierlogboek van de gemeente, met de diensten die ze gebruiken.",
        "processes.channel": "Instroomkanaal",
        "processes.channel_help": (
            "De doorlooptijden, de vergelijking van de kanalen en de wekelijkse doorstroming volgen het kanaal; "
            "de openstaande dossiers, de proceskaart, de varianten en het herwerk gelden voor alle kanalen van "
            "het proces."
        ),
        "processes.all_channels": "Alle kanalen",
        "processes.no_services": "geen dienst in de catalogus",
        "processes.service_note": "De links gekozen dienst {service} wordt behandeld door het proces {process}.",
        "processes.scope_channel": (
            "Kanaal {channel}: de openstaande dossiers, de proceskaart, de varianten en het herwerk hieronder "
            "gelden voor het hele proces (die indicatoren zijn niet per kanaal uitgesplitst)."
        ),
        "processes.lead.title": "Doorlooptijd van de dossiers afgesloten in de periode",
        "processes.kpi.cases_closed": "Afgesloten dossiers",
        "processes.kpi.lead_time_median": "Mediane doorlooptijd",
        "processes.kpi.lead_time_p90": "Doorlooptijd, 90e percentiel",
        "processes.kpi.sla_compliance": "Naleving van de normtermijn",
        "processes.kpi.backlog": "Openstaande dossiers op het einde van de periode",
        "processes.kpi.rework_rate": "Herwerkingsgraad",
        "processes.help.cases_closed": (
            "Dossiers van het proces afgesloten in de periode (lokale datum van afsluiting)."
        ),
        "processes.help.lead_time": (
            "Tijdstip van afsluiting min eerste gebeurtenis van elk afgesloten dossier, in dagen (mediaan / "
            "90e percentiel, inclusieve methode)."
        ),
        "processes.help.sla_compliance": (
            "Afgesloten dossiers met een doorlooptijd binnen de normtermijn van de dienst (kalenderdagen x "
            "24 u, de grens inbegrepen), gedeeld door de afgesloten dossiers waarvan de dienst een normtermijn heeft."
        ),
        "processes.help.backlog": (
            "Dossiers die openstaan op het einde van de periode (op de laatste dag met gegevens als die later eindigt)."
        ),
        "processes.help.rework_rate": (
            "Dossiers waarin een activiteit meer dan eens voorkomt, gedeeld door de dossiers van het proces, "
            "volgens de periode van de eerste gebeurtenis."
        ),
        "processes.caption.lead_time": "over {denominator} afgesloten dossiers",
        "processes.caption.sla_compliance": "{numerator} van {denominator} afgesloten dossiers met een normtermijn",
        "processes.caption.rework_rate": "{numerator} van {denominator} dossiers met herwerk",
        "processes.missing": "Geen cijfer voor deze periode",
        "processes.days": "{value} dagen",
        "processes.days_short": "{value} d",
        "processes.hist.x": "Doorlooptijd (dagen)",
        "processes.hist.y": "Afgesloten dossiers",
        "processes.hist.median": "mediaan {value} d",
        "processes.hist.p90": "p90 {value} d",
        "processes.hist.empty": "Geen dossier van dit proces afgesloten in de periode.",
        "processes.hist.description": (
            "Histogram van de doorlooptijd van {count} dossiers afgesloten in de periode, in staven van "
            "{width} dagen. Mediaan {median} dagen (volle lijn), 90e percentiel {p90} dagen (stippellijn). "
            "De hoogste staaf: {peak} dossiers tussen {low} en {high} dagen. Het langste dossier duurde "
            "{longest} dagen."
        ),
        "processes.backlog.title": "Openstaande dossiers op het einde van de periode",
        "processes.backlog.by_age": "Openstaande dossiers naar leeftijd (dagen sinds de eerste gebeurtenis)",
        "processes.backlog.commune_wide": (
            "De leeftijdsklassen zijn in de gegevens niet per proces uitgesplitst: de grafiek toont de "
            "openstaande dossiers van alle processen van de gemeente ({total} dossiers), niet alleen van dit proces."
        ),
        "processes.backlog.process_wide": "Openstaande dossiers van dit proces naar leeftijd.",
        "processes.backlog.x": "Leeftijd (dagen)",
        "processes.backlog.y": "Openstaande dossiers",
        "processes.backlog.empty": "Geen cijfer over openstaande dossiers voor deze periode.",
        "processes.backlog.description": "Openstaande dossiers op het einde van de periode naar leeftijd: {buckets}.",
        "processes.backlog.bucket": "{bucket} dagen: {count}",
        "processes.bucket.0-7": "0-7",
        "processes.bucket.8-30": "8-30",
        "processes.bucket.31-90": "31-90",
        "processes.bucket.over 90": "meer dan 90",
        "processes.throughput.title": "Doorstroming: geopende en afgesloten dossiers per week",
        "processes.throughput.x": "Week (vanaf maandag)",
        "processes.throughput.y": "Dossiers",
        "processes.throughput.opened": "Geopend",
        "processes.throughput.closed": "Afgesloten",
        "processes.throughput.series": "Dossiers",
        "processes.throughput.note": (
            "ISO-weken die de periode overlappen; de eerste en de laatste week tellen alleen de dagen "
            "binnen de periode."
        ),
        "processes.throughput.empty": "Geen dossier van dit proces geopend of afgesloten in de periode.",
        "processes.throughput.description": (
            "Over {weeks} weken werden {opened} dossiers geopend (volle lijn, cirkels) en {closed} afgesloten "
            "(stippellijn, vierkanten). Drukste week voor nieuwe dossiers: {peak_week}, met {peak} geopende dossiers."
        ),
        "processes.throughput.table": "Cijfers per week",
        "processes.channels.title": "Doorlooptijd per instroomkanaal",
        "processes.channels.caption": (
            "Gaan digitale aanvragen sneller? Mediane doorlooptijd van de dossiers van het proces afgesloten "
            "in de periode, per kanaal, snelste eerst."
        ),
        "processes.channels.empty": "Geen doorlooptijd per kanaal voor dit proces en deze periode.",
        "processes.channels.summary": (
            "Snelste kanaal: {fastest} ({fastest_median} dagen, {fastest_cases} dossiers); traagste: {slowest} "
            "({slowest_median} dagen, {slowest_cases} dossiers)."
        ),
        "processes.map.title": "Proceskaart: waar wachten de dossiers",
        "processes.map.weight": "Dikte van de pijlen volgens",
        "processes.map.weight.frequency": "Frequentie (overgangen)",
        "processes.map.weight.median": "Mediane wachttijd (dagen)",
        "processes.map.month_note": (
            "Wachttijden worden alleen per maand, kwartaal, jaar en 12 maanden berekend: de kaart toont de "
            "maand {month}, waarin de periode eindigt."
        ),
        "processes.map.empty": "Geen overgang van dit proces in {period}.",
        "processes.map.explain": (
            "De vakken zijn activiteiten; een pijl van A naar B betekent dat B in een dossier direct op A "
            "volgde. De dikte volgt het gekozen gewicht; het knelpunt is dik en gestippeld getekend, met een "
            "label. Een wachttijd telt in de periode waarin de volgende activiteit begint."
        ),
        "processes.map.bottleneck_total": "knelpunt (totale wachttijd)",
        "processes.map.bottleneck_median": "knelpunt (mediane wachttijd)",
        "processes.map.bottleneck_both": "knelpunt (totale en mediane wachttijd)",
        "processes.map.alt": (
            "Proceskaart van {process}: {activities} activiteiten en {transitions} overgangen. {bottlenecks}"
        ),
        "processes.map.bottleneck_sentence_total": (
            "Grootste totale wachttijd: {pair}, {count} keer, {total} dagen in totaal (mediaan {median} dagen)."
        ),
        "processes.map.bottleneck_sentence_median": (
            "Grootste mediane wachttijd onder de paren die minstens 30 keer voorkomen: {pair}, mediaan "
            "{median} dagen over {count} overgangen."
        ),
        "processes.map.no_bottleneck": "Geen knelpunt aangeduid.",
        "processes.map.table": "De overgangen als tabel",
        "processes.variants.title": "Meest voorkomende varianten (wegen door het proces)",
        "processes.variants.caption": "Dossiers afgesloten in {period}: de 10 meest voorkomende reeksen activiteiten.",
        "processes.variants.empty": "Geen variant voor dit proces in {period}.",
        "processes.rework.title": "Herwerk per activiteit",
        "processes.rework.caption": (
            "Dossiers waarin de activiteit meer dan eens voorkomt, gedeeld door de dossiers waarin ze voorkomt "
            "(dossiers geopend in de periode). Hoogste eerst."
        ),
        "processes.rework.empty": "Geen herwerkingsgraad voor dit proces en deze periode.",
        "processes.col.channel": "Kanaal",
        "processes.col.is_digital": "Digitaal",
        "processes.col.cases_closed": "Afgesloten dossiers",
        "processes.col.lead_time_median_days": "Mediane doorlooptijd (dagen)",
        "processes.col.lead_time_p90_days": "Doorlooptijd p90 (dagen)",
        "processes.col.sla_within": "Binnen de normtermijn",
        "processes.col.sla_cases": "Afgesloten dossiers met normtermijn",
        "processes.col.sla_compliance": "Naleving van de normtermijn",
        "processes.col.from_activity": "Van activiteit",
        "processes.col.to_activity": "Naar activiteit",
        "processes.col.transition_count": "Overgangen",
        "processes.col.wait_median_days": "Mediane wachttijd (dagen)",
        "processes.col.wait_p90_days": "Wachttijd p90 (dagen)",
        "processes.col.wait_total_days": "Totale wachttijd (dagen)",
        "processes.col.wait_mean_days": "Gemiddelde wachttijd (dagen)",
        "processes.col.is_bottleneck_total": "Knelpunt (totale wachttijd)",
        "processes.col.is_bottleneck_median": "Knelpunt (mediane wachttijd)",
        "processes.col.variant_rank": "Rang",
        "processes.col.variant": "Reeks activiteiten",
        "processes.col.cases": "Dossiers",
        "processes.col.process_cases": "Afgesloten dossiers van het proces",
        "processes.col.share": "Aandeel van de dossiers",
        "processes.col.activity": "Activiteit",
        "processes.col.rework_cases": "Dossiers met herwerk",
        "processes.col.activity_cases": "Dossiers met de activiteit",
        "processes.col.rework_rate": "Herwerkingsgraad",
        "processes.col.week_start": "Week van",
        "processes.col.cases_opened": "Geopende dossiers",
    },
}
