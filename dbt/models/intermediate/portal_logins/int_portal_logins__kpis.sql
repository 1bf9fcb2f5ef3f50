{#
  The portal KPIs of KPIS.md (Adoption) per commune, period and breakdown ('all', 'method'), in the
  long KPI format of kpi_adoption. A citizen is active on a local day when they have at least one
  SUCCESSFUL login that day (failed attempts count in none of the KPIs); a citizen who logs in twice,
  or with two methods, is counted once ('all') and once per method.
    - daily_active_citizens: on a day, the active citizens (numerator; denominator null); on a longer
      period, the mean over its days that are in the data: numerator = sum of the daily counts,
      denominator = number of days, value = the mean;
    - daily_active_citizens_weekday_median: the median of the daily counts over the typical weekdays
      of the period (var `daily_active_citizens_weekdays`, ISO weekdays, default Monday to Friday;
      public holidays are not left out); denominator = number of such days, numerator null;
    - active_citizens: distinct citizens active at least once in the period (not the sum of the days).
  The days "in the data" are every day from the commune's first to its last day with a login
  attempt (a failed one too): a day in that range without a successful login counts as 0.
#}

{%- set weekdays = var('daily_active_citizens_weekdays', [1, 2, 3, 4, 5]) %}

with

logins as (

    select * from {{ ref('int_portal_logins__breakdowns') }}

),

breakdown_values as (

    select distinct
        commune_id,
        breakdown,
        breakdown_value

    from logins

),

login_dates as (

    {{ commune_date_spine('logins', 'login_date_local') }}

),

-- one row per citizen active on a day (in a breakdown), whatever their number of logins that day
active_citizen_days as (

    select distinct
        logins.commune_id,
        logins.breakdown,
        logins.breakdown_value,
        logins.login_date_local,
        logins.citizen_key,
        login_dates.last_date

    from logins
    inner join login_dates
        on logins.commune_id = login_dates.commune_id
        and logins.login_date_local = login_dates.calendar_date
    where logins.success

),

daily_counts as (

    select
        login_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        login_dates.calendar_date,
        login_dates.last_date,
        {{ iso_weekday('login_dates.calendar_date') }} as iso_weekday,
        count(active_citizen_days.citizen_key) as active_citizens

    from login_dates
    inner join breakdown_values
        on login_dates.commune_id = breakdown_values.commune_id
    left join active_citizen_days
        on breakdown_values.commune_id = active_citizen_days.commune_id
        and breakdown_values.breakdown = active_citizen_days.breakdown
        and breakdown_values.breakdown_value = active_citizen_days.breakdown_value
        and login_dates.calendar_date = active_citizen_days.login_date_local
    group by
        login_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        login_dates.calendar_date,
        login_dates.last_date

),

daily_counts_by_period as (

    {{ expand_to_periods('daily_counts', 'calendar_date', last_date_column='last_date') }}

),

period_days as (

    select
        {{ kpi_grain() }},
        sum(active_citizens) as citizen_days,
        count(*) as days

    from daily_counts_by_period
    group by
        {{ kpi_grain() }}

),

period_weekday_medians as (

    select
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period,
        count(*) as weekdays,
        percentile_cont(0.5) within group (order by active_citizens) as weekday_median

    from daily_counts_by_period
    where iso_weekday in ({{ weekdays | join(', ') }})
    group by
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period

),

-- distinct citizens are not additive over days: counted over the citizen-days of each period
active_citizen_days_by_period as (

    {{ expand_to_periods('active_citizen_days', 'login_date_local', last_date_column='last_date') }}

),

period_active_citizens as (

    select
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period,
        count(distinct citizen_key) as active_citizens

    from active_citizen_days_by_period
    group by
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period

),

period_counts as (

    select
        period_days.*,
        coalesce(period_weekday_medians.weekdays, 0) as weekdays,
        period_weekday_medians.weekday_median,
        coalesce(period_active_citizens.active_citizens, 0) as active_citizens

    from period_days
    left join period_weekday_medians
        on period_days.commune_id = period_weekday_medians.commune_id
        and period_days.breakdown = period_weekday_medians.breakdown
        and period_days.breakdown_value = period_weekday_medians.breakdown_value
        and period_days.period_type = period_weekday_medians.period_type
        and period_days.period = period_weekday_medians.period
    left join period_active_citizens
        on period_days.commune_id = period_active_citizens.commune_id
        and period_days.breakdown = period_active_citizens.breakdown
        and period_days.breakdown_value = period_active_citizens.breakdown_value
        and period_days.period_type = period_active_citizens.period_type
        and period_days.period = period_active_citizens.period

),

-- daily_active_citizens: a day is a plain count; a longer period is the mean of its daily counts
{%- set daily_mean_denominator = "case when period_type <> 'day' then days end" %}
{%- set daily_mean_value %}
        case
            when period_type = 'day' then cast(citizen_days as double)
            else {{ safe_ratio('citizen_days', 'days') }}
        end
{%- endset %}

kpis as (

    {{ kpi_select('period_counts', 'daily_active_citizens', 'citizens', 'citizen_days',
                  daily_mean_denominator, value=daily_mean_value) }}

    union all

    {{ kpi_select('period_counts', 'daily_active_citizens_weekday_median', 'citizens', none, 'weekdays',
                  value='weekday_median') }}

    union all

    {{ kpi_select('period_counts', 'active_citizens', 'citizens', 'active_citizens') }}

)

select * from kpis
