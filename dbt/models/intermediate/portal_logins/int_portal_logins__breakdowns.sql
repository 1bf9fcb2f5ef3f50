{#
  Each portal login attempt once per breakdown of the login KPIs: the commune as a whole ('all') and
  the authentication method, so that int_portal_logins__kpis computes both with one query. Failed
  attempts are kept: they show that the log covers their day, though they count in no KPI.
#}

with

logins as (

    select
        commune_id,
        citizen_key,
        method,
        success,
        login_at,
        login_date_local

    from {{ ref('fct_portal_logins') }}

),

breakdowns as (

    select
        logins.*,
        'all' as breakdown,
        'all' as breakdown_value

    from logins

    union all

    select
        logins.*,
        'method' as breakdown,
        coalesce(method, 'unknown') as breakdown_value

    from logins

)

select
    commune_id,
    citizen_key,
    method,
    login_at,
    breakdown,
    breakdown_value,
    success,
    login_date_local

from breakdowns
