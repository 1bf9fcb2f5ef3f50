"""Commune profiles and the shared service catalogue the demo generator draws from.

A profile is everything that makes one commune's data look like that commune: its size, how its
citizens reach it (channel mix, share of requests outside office hours), its opening hours and local
holidays, and how far it has moved its services online. The Brussels figures are calibrated on
/work/shared/SEED_FIGURES.md; the other communes are smaller and deliberately different, so that
multi-commune comparisons in the dashboards show something.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Channels of the contract vocabulary that the generator writes (no "other").
CHANNELS: tuple[str, ...] = ("portal", "app", "email", "phone", "counter", "post", "unknown")
# Channels a citizen can use at any hour; the others are staffed and follow office hours.
ANYTIME_CHANNELS: tuple[str, ...] = ("portal", "app", "email", "unknown")
# Dynamics 365 caseorigincode option values (1-3 standard, 1000000xx custom options of the city).
CASE_ORIGIN_CODES: dict[str, int | None] = {
    "phone": 1,
    "email": 2,
    "portal": 3,
    "counter": 100000000,
    "post": 100000001,
    "app": 100000002,
    "unknown": None,
}
CASE_ORIGIN_LABELS: dict[str, str] = {
    "phone": "Phone",
    "email": "Email",
    "portal": "Web",
    "counter": "Counter",
    "post": "Post",
    "app": "Mobile app",
}


@dataclass(frozen=True)
class ProcessDef:
    """A case-tool process: its activities in the usual order, the last one closes the case."""

    code: str
    activities: tuple[str, ...]
    # The activity that is sometimes done twice, with the request that triggers the repetition.
    rework_activity: str
    rework_trigger: str
    rework_rate: float
    # Activities that are instantaneous in the tool (only a "complete" event).
    instant: tuple[str, ...] = ("Enregistrer la demande", "Notifier le citoyen", "Clôturer le dossier")


CANCEL_ACTIVITY = "Annuler le dossier"
_CHECK = "Vérifier la complétude"
_ASK = "Demander des compléments"


def _p(code: str, middle: tuple[str, ...], rework: str = _CHECK, trigger: str = _ASK, rate: float = 0.12) -> ProcessDef:
    return ProcessDef(
        code=code,
        activities=("Enregistrer la demande", _CHECK, *middle, "Notifier le citoyen", "Clôturer le dossier"),
        rework_activity=rework,
        rework_trigger=trigger,
        rework_rate=rate,
    )


# The 21 processes of the case tool (SEED_FIGURES: "processes today: 21").
PROCESSES: dict[str, ProcessDef] = {
    p.code: p
    for p in (
        _p(
            "PROC-ADDRESS",
            ("Demander l'enquête de résidence", "Enquête de résidence", "Mettre à jour le registre"),
            rework="Enquête de résidence",
            trigger="Citoyen absent lors du passage",
            rate=0.18,
        ),
        _p("PROC-IDDOC", ("Commander le document", "Réceptionner le document", "Remettre le document")),
        _p(
            "PROC-FOREIGN",
            ("Vérifier le droit au séjour", "Enquête de résidence", "Décider", "Délivrer le titre"),
            rate=0.22,
        ),
        _p("PROC-MARRIAGE", ("Vérifier les actes", "Publier la déclaration", "Fixer la date de célébration")),
        _p("PROC-COHAB", ("Vérifier les actes", "Acter la déclaration")),
        _p("PROC-BIRTH", ("Dresser l'acte", "Mettre à jour le registre"), rate=0.04),
        _p("PROC-DEATH", ("Dresser l'acte", "Délivrer le permis d'inhumer"), rate=0.04),
        _p("PROC-NAMECHANGE", ("Vérifier les actes", "Décider", "Dresser l'acte")),
        _p("PROC-NATIONALITY", ("Demander l'avis du parquet", "Décider", "Dresser l'acte"), rate=0.2),
        _p(
            "PROC-URBPERMIT",
            ("Instruire le dossier", "Enquête publique", "Avis de la commission", "Décider"),
            rate=0.25,
        ),
        _p("PROC-URBINFO", ("Rechercher les archives", "Rédiger les renseignements")),
        _p("PROC-ROADOCC", ("Analyser l'emplacement", "Décider")),
        _p(
            "PROC-PARKING",
            ("Vérifier le véhicule", "Encaisser le paiement", "Délivrer la carte"),
            rework="Vérifier le véhicule",
            trigger="Demander le certificat d'immatriculation",
            rate=0.08,
        ),
        _p(
            "PROC-FINEAPPEAL",
            ("Analyser la contestation", "Décider"),
            rework="Analyser la contestation",
            trigger="Demander des preuves",
            rate=0.15,
        ),
        _p("PROC-BULKY", ("Planifier l'enlèvement", "Enlever les encombrants"), rate=0.05),
        _p(
            "PROC-REPORT",
            ("Qualifier le signalement", "Intervenir sur place"),
            rework="Intervenir sur place",
            trigger="Intervention incomplète",
            rate=0.1,
        ),
        _p("PROC-TAXCLAIM", ("Instruire la réclamation", "Décider"), rate=0.15),
        _p("PROC-COMMERCE", ("Demander l'avis de la police", "Décider", "Encaisser le paiement")),
        _p("PROC-GRANT", ("Vérifier l'éligibilité", "Décider", "Payer la prime"), rate=0.2),
        _p("PROC-ENROL", ("Vérifier les places disponibles", "Attribuer une place"), rate=0.08),
        _p(
            "PROC-COMPLAINT",
            ("Analyser la plainte", "Rédiger la réponse"),
            rework="Rédiger la réponse",
            trigger="Relecture par la direction",
            rate=0.2,
        ),
    )
}


@dataclass(frozen=True)
class ServiceDef:
    """One service of the reference (Brussels) catalogue; other communes derive theirs from it."""

    code: str
    name_fr: str
    name_nl: str
    name_en: str
    process: str | None
    owner: str
    weight: float  # relative yearly demand (requests)
    sla_days: int | None
    digital_since: date | None
    active_from: date = date(2010, 1, 1)
    retired_on: date | None = None
    appointment_minutes: int = 0  # 0: no appointment for this service
    appointment_weight: float = 0.0


_D = date
_POP, _CIV, _URB, _MOB = "Démographie", "État civil", "Urbanisme", "Mobilité"
_CLN, _FIN, _ECO, _EDU, _ENV, _SOC, _GEN = (
    "Propreté publique",
    "Finances",
    "Commerce",
    "Instruction publique",
    "Environnement",
    "Affaires sociales",
    "Relations citoyens",
)

# The City of Brussels' catalogue: 50 services. 29 online before 2023 (60 % of the 48 then
# active), 10 more online in 2023-2024 (39/50 = 78 % at the end of 2024), 3 planned in 2025 and one
# retirement (42/49 = 86 % at the end of 2025, target 85 %).
SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef(
        "POP-ADDRESS",
        "Changement d'adresse",
        "Adreswijziging",
        "Change of address",
        "PROC-ADDRESS",
        _POP,
        16000,
        45,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "POP-ADDRESS-ABROAD",
        "Départ à l'étranger",
        "Vertrek naar het buitenland",
        "Moving abroad",
        "PROC-ADDRESS",
        _POP,
        1800,
        15,
        _D(2022, 6, 7),
        appointment_minutes=15,
        appointment_weight=1500,
    ),
    ServiceDef(
        "POP-EID",
        "Carte d'identité électronique",
        "Elektronische identiteitskaart",
        "Electronic identity card",
        "PROC-IDDOC",
        _POP,
        14000,
        21,
        _D(2021, 6, 14),
        appointment_minutes=15,
        appointment_weight=36000,
    ),
    ServiceDef(
        "POP-KIDSID",
        "Kids-ID",
        "Kids-ID",
        "Kids-ID (children's identity card)",
        "PROC-IDDOC",
        _POP,
        4000,
        21,
        _D(2021, 10, 4),
        appointment_minutes=10,
        appointment_weight=6000,
    ),
    ServiceDef(
        "POP-PASSPORT",
        "Passeport",
        "Paspoort",
        "Passport",
        "PROC-IDDOC",
        _POP,
        6000,
        14,
        _D(2022, 3, 7),
        appointment_minutes=15,
        appointment_weight=12000,
    ),
    ServiceDef(
        "POP-DRIVING",
        "Permis de conduire",
        "Rijbewijs",
        "Driving licence",
        "PROC-IDDOC",
        _POP,
        5000,
        10,
        _D(2022, 6, 7),
        appointment_minutes=15,
        appointment_weight=9000,
    ),
    ServiceDef(
        "POP-DRIVING-INT",
        "Permis de conduire international",
        "Internationaal rijbewijs",
        "International driving permit",
        "PROC-IDDOC",
        _POP,
        700,
        5,
        None,
        appointment_minutes=10,
        appointment_weight=800,
    ),
    ServiceDef(
        "POP-CERT-RES",
        "Certificat de résidence",
        "Verblijfsattest",
        "Certificate of residence",
        None,
        _POP,
        12000,
        1,
        _D(2016, 2, 1),
    ),
    ServiceDef(
        "POP-CERT-HOUSEHOLD",
        "Composition de ménage",
        "Gezinssamenstelling",
        "Household composition certificate",
        None,
        _POP,
        9000,
        1,
        _D(2016, 2, 1),
    ),
    ServiceDef(
        "POP-CERT-LIFE",
        "Certificat de vie",
        "Attest van leven",
        "Life certificate",
        None,
        _POP,
        2500,
        1,
        _D(2017, 5, 2),
    ),
    ServiceDef(
        "POP-CRIMINAL",
        "Extrait de casier judiciaire",
        "Uittreksel uit het strafregister",
        "Criminal record extract",
        None,
        _POP,
        9000,
        2,
        _D(2016, 2, 1),
    ),
    ServiceDef(
        "POP-LEGALISATION",
        "Légalisation de signature",
        "Legalisatie van handtekening",
        "Signature legalisation",
        None,
        _POP,
        3500,
        1,
        None,
        appointment_minutes=10,
        appointment_weight=5000,
    ),
    ServiceDef(
        "POP-FOREIGN-REG",
        "Inscription d'un ressortissant étranger",
        "Inschrijving van een buitenlandse onderdaan",
        "Registration of a foreign national",
        "PROC-FOREIGN",
        _POP,
        7000,
        90,
        _D(2023, 5, 15),
        appointment_minutes=30,
        appointment_weight=9000,
    ),
    ServiceDef(
        "POP-RESPERMIT",
        "Renouvellement du titre de séjour",
        "Vernieuwing van de verblijfskaart",
        "Residence card renewal",
        "PROC-FOREIGN",
        _POP,
        6000,
        30,
        _D(2024, 1, 15),
        appointment_minutes=20,
        appointment_weight=8000,
    ),
    ServiceDef(
        "CIV-MARRIAGE",
        "Déclaration de mariage",
        "Huwelijksaangifte",
        "Marriage declaration",
        "PROC-MARRIAGE",
        _CIV,
        1500,
        30,
        _D(2024, 9, 2),
        appointment_minutes=45,
        appointment_weight=1200,
    ),
    ServiceDef(
        "CIV-COHAB",
        "Déclaration de cohabitation légale",
        "Verklaring van wettelijke samenwoning",
        "Declaration of legal cohabitation",
        "PROC-COHAB",
        _CIV,
        2000,
        21,
        _D(2022, 11, 7),
        appointment_minutes=30,
        appointment_weight=1500,
    ),
    ServiceDef(
        "CIV-BIRTH",
        "Déclaration de naissance",
        "Geboorteaangifte",
        "Birth registration",
        "PROC-BIRTH",
        _CIV,
        4500,
        3,
        None,
        appointment_minutes=20,
        appointment_weight=3000,
    ),
    ServiceDef(
        "CIV-DEATH",
        "Déclaration de décès",
        "Overlijdensaangifte",
        "Death registration",
        "PROC-DEATH",
        _CIV,
        2500,
        2,
        _D(2023, 3, 6),
    ),
    ServiceDef(
        "CIV-ACT-COPY",
        "Copie ou extrait d'acte d'état civil",
        "Afschrift of uittreksel van een akte van de burgerlijke stand",
        "Copy or extract of a civil status record",
        None,
        _CIV,
        9000,
        5,
        _D(2019, 6, 3),
    ),
    ServiceDef(
        "CIV-NAME-CHANGE",
        "Changement de prénom",
        "Voornaamswijziging",
        "Change of first name",
        "PROC-NAMECHANGE",
        _CIV,
        400,
        90,
        _D(2024, 11, 4),
    ),
    ServiceDef(
        "CIV-NATIONALITY",
        "Déclaration de nationalité belge",
        "Nationaliteitsverklaring",
        "Declaration of Belgian nationality",
        "PROC-NATIONALITY",
        _CIV,
        1500,
        120,
        _D(2025, 6, 2),
        appointment_minutes=45,
        appointment_weight=1500,
    ),
    ServiceDef(
        "CIV-ORGAN",
        "Déclaration de don d'organes",
        "Registratie orgaandonatie",
        "Organ donation registration",
        None,
        _CIV,
        800,
        5,
        _D(2019, 10, 1),
    ),
    ServiceDef(
        "CIV-LASTWILL",
        "Dernières volontés (funérailles)",
        "Laatste wilsbeschikking (uitvaart)",
        "Last wishes regarding funerals",
        None,
        _CIV,
        400,
        10,
        None,
        appointment_minutes=20,
        appointment_weight=300,
    ),
    ServiceDef(
        "URB-PERMIT",
        "Permis d'urbanisme",
        "Stedenbouwkundige vergunning",
        "Planning permit",
        "PROC-URBPERMIT",
        _URB,
        2500,
        120,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "URB-INFO",
        "Renseignements urbanistiques",
        "Stedenbouwkundige inlichtingen",
        "Planning information certificate",
        "PROC-URBINFO",
        _URB,
        6000,
        30,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "URB-ARCHIVE",
        "Consultation d'archives urbanistiques",
        "Raadpleging van stedenbouwkundige archieven",
        "Planning archive consultation",
        None,
        _URB,
        3000,
        15,
        _D(2023, 9, 18),
        appointment_minutes=60,
        appointment_weight=1800,
    ),
    ServiceDef(
        "URB-OCCUPY",
        "Occupation de la voie publique (chantier)",
        "Inname van de openbare weg (werf)",
        "Public road occupation for works",
        "PROC-ROADOCC",
        _URB,
        5000,
        10,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "MOB-PARKING-RES",
        "Carte de stationnement riverain",
        "Bewonersparkeerkaart",
        "Residents' parking permit",
        "PROC-PARKING",
        _MOB,
        9000,
        5,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "MOB-PARKING-PRO",
        "Carte de stationnement professionnelle",
        "Professionele parkeerkaart",
        "Professional parking permit",
        "PROC-PARKING",
        _MOB,
        2500,
        5,
        _D(2022, 2, 7),
    ),
    ServiceDef(
        "MOB-FINE-APPEAL",
        "Contestation d'une redevance de stationnement",
        "Betwisting van een parkeerretributie",
        "Parking charge dispute",
        "PROC-FINEAPPEAL",
        _MOB,
        8000,
        45,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "MOB-MOVING-SIGN",
        "Panneaux de déménagement",
        "Verhuisborden",
        "Moving-day parking signs",
        "PROC-ROADOCC",
        _MOB,
        4000,
        7,
        _D(2021, 10, 4),
    ),
    ServiceDef(
        "MOB-PEDESTRIAN",
        "Accès à la zone piétonne",
        "Toegangsvergunning voetgangerszone",
        "Pedestrian-zone access permit",
        "PROC-PARKING",
        _MOB,
        2000,
        10,
        _D(2025, 4, 1),
        active_from=_D(2024, 3, 1),
    ),
    ServiceDef(
        "CLN-BULKY",
        "Enlèvement d'encombrants",
        "Ophaling van grofvuil",
        "Bulky waste collection",
        "PROC-BULKY",
        _CLN,
        9000,
        14,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "CLN-REPORT",
        "Signalement de propreté",
        "Netheidsmelding",
        "Cleanliness report",
        "PROC-REPORT",
        _CLN,
        10000,
        7,
        _D(2022, 4, 4),
    ),
    ServiceDef(
        "CLN-GRAFFITI",
        "Enlèvement de graffitis",
        "Verwijdering van graffiti",
        "Graffiti removal",
        "PROC-REPORT",
        _CLN,
        1500,
        14,
        _D(2022, 4, 4),
    ),
    ServiceDef(
        "FIN-TAX-CLAIM",
        "Réclamation contre une taxe communale",
        "Bezwaar tegen een gemeentebelasting",
        "Municipal tax objection",
        "PROC-TAXCLAIM",
        _FIN,
        2500,
        180,
        _D(2023, 11, 6),
    ),
    ServiceDef(
        "FIN-INSTALMENT", "Plan de paiement", "Afbetalingsplan", "Payment plan", None, _FIN, 1200, 30, _D(2025, 2, 3)
    ),
    ServiceDef(
        "FIN-SECONDHOME",
        "Déclaration de seconde résidence",
        "Aangifte van tweede verblijf",
        "Second-home declaration",
        None,
        _FIN,
        800,
        30,
        None,
    ),
    ServiceDef(
        "ECO-MARKET",
        "Emplacement sur un marché",
        "Standplaats op een markt",
        "Market pitch",
        "PROC-COMMERCE",
        _ECO,
        1500,
        30,
        _D(2022, 5, 2),
    ),
    ServiceDef(
        "ECO-TERRACE",
        "Autorisation de terrasse",
        "Terrasvergunning",
        "Café terrace permit",
        "PROC-COMMERCE",
        _ECO,
        1200,
        45,
        _D(2024, 3, 18),
    ),
    ServiceDef(
        "ECO-EVENT",
        "Événement sur l'espace public",
        "Evenement op de openbare ruimte",
        "Event on public space",
        "PROC-COMMERCE",
        _ECO,
        1800,
        60,
        _D(2024, 5, 27),
    ),
    ServiceDef(
        "ECO-NIGHTSHOP",
        "Licence de magasin de nuit",
        "Vergunning nachtwinkel",
        "Night-shop licence",
        None,
        _ECO,
        150,
        60,
        None,
        retired_on=_D(2025, 6, 30),
    ),
    ServiceDef(
        "ECO-ALCOHOL",
        "Autorisation de débit de boissons",
        "Drankvergunning",
        "Licence to sell alcoholic beverages",
        "PROC-COMMERCE",
        _ECO,
        400,
        60,
        None,
    ),
    ServiceDef(
        "ENV-GREENROOF",
        "Prime toiture verte",
        "Premie groendak",
        "Green-roof grant",
        "PROC-GRANT",
        _ENV,
        600,
        60,
        _D(2023, 9, 1),
        active_from=_D(2023, 9, 1),
    ),
    ServiceDef(
        "EDU-ENROL",
        "Inscription scolaire (écoles de la Ville)",
        "Inschrijving in een stadsschool",
        "School enrolment (City schools)",
        "PROC-ENROL",
        _EDU,
        5000,
        30,
        _D(2022, 1, 10),
    ),
    ServiceDef(
        "EDU-CRECHE",
        "Inscription en crèche",
        "Inschrijving in een kinderdagverblijf",
        "Day-care enrolment",
        "PROC-ENROL",
        _EDU,
        3000,
        60,
        _D(2022, 1, 10),
    ),
    ServiceDef(
        "EDU-HOLIDAY",
        "Plaines de vacances",
        "Vakantiespeelpleinen",
        "Holiday play schemes",
        None,
        _EDU,
        3000,
        10,
        _D(2021, 6, 14),
    ),
    ServiceDef(
        "SOC-TAXI-CHEQUE",
        "Chèques taxi (mobilité réduite)",
        "Taxicheques (beperkte mobiliteit)",
        "Taxi vouchers (reduced mobility)",
        None,
        _SOC,
        600,
        30,
        None,
    ),
    ServiceDef("GEN-COMPLAINT", "Plainte", "Klacht", "Complaint", "PROC-COMPLAINT", _GEN, 3000, 45, _D(2019, 1, 7)),
    ServiceDef(
        "GEN-INFO",
        "Demande d'information",
        "Informatieaanvraag",
        "Information request",
        None,
        _GEN,
        9000,
        10,
        _D(2016, 2, 1),
    ),
)

LAUNCH_SERVICE = "CIV-MARRIAGE"


@dataclass(frozen=True)
class CommuneProfile:
    id: str
    name_fr: str
    name_nl: str
    name_en: str
    crm_org: str  # Dynamics 365 organisation (host name prefix)
    volume_factor: float  # requests, appointments and calls relative to the City of Brussels
    population: int
    after_hours_share: float
    channel_mix: dict[str, float]
    office_hours: dict[str, tuple[str, ...]]
    extra_holidays: tuple[tuple[int, int, str], ...]  # (month, day, name), every year
    # Catalogue differences from the Brussels reference: services dropped, days later online,
    # share of services never put online (drawn with the commune's seed).
    dropped_services: tuple[str, ...] = ()
    digital_lag_days: int = 0
    extra_never_online: float = 0.0
    launch_digital_share: float = 0.90  # share of digital requests in the launch service's first month
    digital_channels: tuple[str, ...] = ("portal", "app", "email")
    targets: tuple[tuple[str, float, date], ...] = ()
    sites: dict[str, float] = field(default_factory=dict)
    queues: dict[str, float] = field(default_factory=dict)
    agent_count: int = 60  # contact-centre agents (PJSIP endpoints)
    portal_daily_citizens: tuple[float, float] = (1300.0, 600.0)  # weekday, weekend day (scale 1)
    appointments_online_share: float = 0.80
    calls_answered_share: float = 0.88


# Brussels: published figures (SEED_FIGURES.md). The mix of requests by channel of the City.
_BXL_MIX = {"portal": 0.50, "app": 0.06, "email": 0.09, "phone": 0.14, "counter": 0.16, "post": 0.04, "unknown": 0.01}
_WEEKDAYS_ONLY = ("mon", "tue", "wed", "thu", "fri")
_QUEUES = {"population": 0.34, "etat-civil": 0.14, "urbanisme": 0.08, "mobilite": 0.14, "proprete": 0.11, "info": 0.19}
_ROYAL = (11, 15, "Fête du Roi / Koningsdag")
_BOXING = (12, 26, "Lendemain de Noël / Tweede Kerstdag")
_FWB = (9, 27, "Fête de la Fédération Wallonie-Bruxelles / Feest van de Franse Gemeenschap")
_IRIS = (5, 8, "Fête de l'Iris / Irisfeest")
_NEWYEAR2 = (1, 2, "Lendemain du Nouvel An / Dag na Nieuwjaar")


def _hours(default: tuple[str, ...], **overrides: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {day: overrides.get(day, default) for day in _WEEKDAYS_ONLY}


PROFILES: dict[str, CommuneProfile] = {
    p.id: p
    for p in (
        CommuneProfile(
            id="brussels",
            name_fr="Ville de Bruxelles",
            name_nl="Stad Brussel",
            name_en="City of Brussels",
            crm_org="villedebruxelles",
            volume_factor=1.0,
            population=200_000,
            after_hours_share=0.45,
            channel_mix=_BXL_MIX,
            office_hours=_hours(("08:00-17:00",)),
            extra_holidays=(_ROYAL, _BOXING),
            targets=(
                ("services_digital_share", 0.85, date(2025, 12, 31)),
                ("digital_take_up", 0.70, date(2025, 12, 31)),
            ),
            sites={
                "Centre administratif": 0.55,
                "Antenne Laeken": 0.15,
                "Antenne Neder-Over-Heembeek": 0.10,
                "Antenne Haren": 0.05,
                "Antenne Louise": 0.15,
            },
            queues=_QUEUES,
            agent_count=60,
        ),
        CommuneProfile(
            id="schaerbeek",
            name_fr="Schaerbeek",
            name_nl="Schaarbeek",
            name_en="Schaerbeek",
            crm_org="schaerbeek",
            volume_factor=0.45,
            population=133_000,
            after_hours_share=0.40,
            channel_mix={
                "portal": 0.38,
                "app": 0.04,
                "email": 0.12,
                "phone": 0.18,
                "counter": 0.22,
                "post": 0.05,
                "unknown": 0.01,
            },
            office_hours=_hours(("08:30-12:30", "13:30-16:00"), thu=("08:30-12:30", "13:30-19:00")),
            extra_holidays=(_NEWYEAR2, _ROYAL, _BOXING),
            digital_lag_days=270,
            extra_never_online=0.1,
            launch_digital_share=0.75,
            dropped_services=("URB-ARCHIVE", "ENV-GREENROOF"),
            targets=(("services_digital_share", 0.75, date(2026, 12, 31)),),
            sites={"Maison communale": 0.8, "Antenne Helmet": 0.2},
            queues=_QUEUES,
            agent_count=28,
            portal_daily_citizens=(480.0, 210.0),
            appointments_online_share=0.72,
            calls_answered_share=0.84,
        ),
        CommuneProfile(
            id="anderlecht",
            name_fr="Anderlecht",
            name_nl="Anderlecht",
            name_en="Anderlecht",
            crm_org="anderlecht",
            volume_factor=0.42,
            population=125_000,
            after_hours_share=0.38,
            channel_mix={
                "portal": 0.30,
                "app": 0.03,
                "email": 0.12,
                "phone": 0.22,
                "counter": 0.26,
                "post": 0.06,
                "unknown": 0.01,
            },
            office_hours=_hours(("08:00-15:30",)),
            extra_holidays=(_FWB, _ROYAL),
            digital_lag_days=400,
            extra_never_online=0.15,
            launch_digital_share=0.65,
            dropped_services=("URB-ARCHIVE", "MOB-PEDESTRIAN", "CIV-ORGAN"),
            targets=(("services_digital_share", 0.70, date(2026, 12, 31)),),
            sites={"Conseil communal (place du Conseil)": 0.7, "Antenne Peterbos": 0.15, "Antenne Cureghem": 0.15},
            queues=_QUEUES,
            agent_count=25,
            portal_daily_citizens=(360.0, 150.0),
            appointments_online_share=0.62,
            calls_answered_share=0.8,
        ),
        CommuneProfile(
            id="ixelles",
            name_fr="Ixelles",
            name_nl="Elsene",
            name_en="Ixelles",
            crm_org="ixelles",
            volume_factor=0.32,
            population=87_000,
            after_hours_share=0.47,
            channel_mix={
                "portal": 0.52,
                "app": 0.08,
                "email": 0.10,
                "phone": 0.12,
                "counter": 0.13,
                "post": 0.03,
                "unknown": 0.02,
            },
            office_hours=_hours(("08:30-15:00",), wed=("08:30-18:00",)),
            extra_holidays=(_ROYAL, _BOXING),
            digital_lag_days=90,
            launch_digital_share=0.88,
            dropped_services=("ECO-NIGHTSHOP", "MOB-PEDESTRIAN"),
            targets=(("services_digital_share", 0.85, date(2025, 12, 31)),),
            sites={"Maison communale": 1.0},
            queues=_QUEUES,
            agent_count=20,
            portal_daily_citizens=(560.0, 270.0),
            appointments_online_share=0.82,
            calls_answered_share=0.9,
        ),
        CommuneProfile(
            id="molenbeek",
            name_fr="Molenbeek-Saint-Jean",
            name_nl="Sint-Jans-Molenbeek",
            name_en="Molenbeek-Saint-Jean",
            crm_org="molenbeek",
            volume_factor=0.36,
            population=98_000,
            after_hours_share=0.33,
            channel_mix={
                "portal": 0.26,
                "app": 0.03,
                "email": 0.10,
                "phone": 0.24,
                "counter": 0.30,
                "post": 0.06,
                "unknown": 0.01,
            },
            office_hours=_hours(("08:00-14:00",), tue=("08:00-14:00", "16:00-19:00")),
            extra_holidays=(_IRIS, _ROYAL),
            digital_lag_days=500,
            extra_never_online=0.2,
            launch_digital_share=0.55,
            dropped_services=("URB-ARCHIVE", "MOB-PEDESTRIAN", "ENV-GREENROOF"),
            digital_channels=("portal", "app"),
            targets=(("services_digital_share", 0.65, date(2026, 12, 31)),),
            sites={"Maison communale": 0.85, "Antenne Maritime": 0.15},
            queues=_QUEUES,
            agent_count=22,
            portal_daily_citizens=(240.0, 100.0),
            appointments_online_share=0.55,
            calls_answered_share=0.78,
        ),
        CommuneProfile(
            id="etterbeek",
            name_fr="Etterbeek",
            name_nl="Etterbeek",
            name_en="Etterbeek",
            crm_org="etterbeek",
            volume_factor=0.18,
            population=48_000,
            after_hours_share=0.43,
            channel_mix={
                "portal": 0.45,
                "app": 0.05,
                "email": 0.11,
                "phone": 0.16,
                "counter": 0.18,
                "post": 0.04,
                "unknown": 0.01,
            },
            office_hours=_hours(("08:00-12:30", "13:30-16:30")),
            extra_holidays=(_ROYAL,),
            digital_lag_days=180,
            extra_never_online=0.05,
            launch_digital_share=0.8,
            dropped_services=("URB-ARCHIVE", "MOB-PEDESTRIAN", "ECO-NIGHTSHOP", "SOC-TAXI-CHEQUE"),
            targets=(("services_digital_share", 0.80, date(2025, 12, 31)),),
            sites={"Maison communale": 1.0},
            queues=_QUEUES,
            agent_count=12,
            portal_daily_citizens=(250.0, 110.0),
            appointments_online_share=0.76,
            calls_answered_share=0.89,
        ),
        CommuneProfile(
            id="uccle",
            name_fr="Uccle",
            name_nl="Ukkel",
            name_en="Uccle",
            crm_org="uccle",
            volume_factor=0.30,
            population=85_000,
            after_hours_share=0.41,
            channel_mix={
                "portal": 0.40,
                "app": 0.04,
                "email": 0.14,
                "phone": 0.18,
                "counter": 0.18,
                "post": 0.05,
                "unknown": 0.01,
            },
            office_hours=_hours(("08:30-12:30", "13:30-16:30"), wed=("08:30-12:30",)),
            extra_holidays=(_ROYAL, _BOXING, _NEWYEAR2),
            digital_lag_days=240,
            extra_never_online=0.08,
            launch_digital_share=0.8,
            dropped_services=("MOB-PEDESTRIAN", "ECO-NIGHTSHOP"),
            targets=(("services_digital_share", 0.80, date(2026, 6, 30)),),
            sites={"Maison communale": 0.8, "Antenne Saint-Job": 0.2},
            queues=_QUEUES,
            agent_count=18,
            portal_daily_citizens=(420.0, 200.0),
            appointments_online_share=0.74,
            calls_answered_share=0.86,
        ),
    )
}

# Brussels-wide volumes at scale 1 (SEED_FIGURES.md): requests per 366-day year, and the sources
# that are not requests.
REQUESTS_PER_YEAR = 167_005
APPOINTMENTS_PER_YEAR = 95_000
CALLS_PER_YEAR = 360_000


def known_communes() -> list[str]:
    return sorted(PROFILES)


def get_profile(commune_id: str) -> CommuneProfile:
    try:
        return PROFILES[commune_id]
    except KeyError:
        raise ValueError(f"unknown commune {commune_id!r}; known communes: {', '.join(known_communes())}") from None
