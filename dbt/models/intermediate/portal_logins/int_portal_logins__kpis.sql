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

-- each citizen as a number, so that the distinct counts and sorts below compare integers, not
-- 64-character keys
citizen_numbers as (

    select
        citizen_key,
        row_number() over (order by citizen_key) as citizen_number

    from (
        select distinct citizen_key
        from logins
        where success
    ) as citizens

),

-- one row per citizen active on a day (in a breakdown), whatever their number of logins that day
active_citizen_days as (

    select distinct
        logins.commune_id,
        logins.breakdown,
        logins.breakdown_value,
        logins.login_date_local,
        citizen_numbers.citizen_number

    from logins
    inner join login_dates
        on logins.commune_id = login_dates.commune_id
        and logins.login_date_local = login_dates.calendar_date
    inner join citizen_numbers
        on logins.citizen_key = citizen_numbers.citizen_key
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
        count(active_citizen_days.citizen_number) as active_citizens

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

-- distinct citizens are not additive over days: each kind of period is counted from the coarsest
-- rows that determine it (citizen-weeks, citizen-months), not from every citizen-day copied into each
-- of its 17 periods (12 rolling windows), which grew faster than the history and spilled to disk
citizen_weeks as (

    select distinct
        commune_id,
        breakdown,
        breakdown_value,
        citizen_number,
        cast({{ dbt.date_trunc('week', 'login_date_local') }} as date) as week_start

    from active_citizen_days

),

citizen_months as (

    select distinct
        commune_id,
        breakdown,
        breakdown_value,
        citizen_number,
        cast({{ dbt.date_trunc('month', 'login_date_local') }} as date) as month_start

    from active_citizen_days

),

-- citizen_weeks and citizen_months have one row per citizen and period: a week's label depends only
-- on its Monday, a month's only on its first day; a quarter and a year hold several months, whose
-- citizens are made distinct
citizen_calendar_periods as (

    select commune_id, breakdown, breakdown_value, citizen_number, period_type, period
    from ({{ expand_to_periods('citizen_weeks', 'week_start', period_types=['week']) }}) as weeks

    union all

    select commune_id, breakdown, breakdown_value, citizen_number, period_type, period
    from ({{ expand_to_periods('citizen_months', 'month_start', period_types=['month']) }}) as months

),

citizen_quarters_and_years as (

    select distinct commune_id, breakdown, breakdown_value, citizen_number, period_type, period
    from ({{ expand_to_periods('citizen_months', 'month_start', period_types=['quarter', 'year']) }})
        as quarters_and_years

),

{#-
  A citizen active in month m is in the rolling windows ending in months m to m + 11. Their active
  months are merged into islands (a gap of at most 12 months keeps the windows contiguous): an island
  from month f to month l covers the windows ending in f to l + 11, so it adds 1 from f on and takes
  it back from l + 12 on. The running sum of these steps is the number of distinct citizens per window.
#}
{%- set previous_month = "lag(month_start) over citizen_history" %}
{%- set next_month = "lead(month_start) over citizen_history" %}

citizen_island_steps as (

    select
        commune_id,
        breakdown,
        breakdown_value,
        month_start,
        case
            when {{ previous_month }} is null
                or {{ previous_month }} < cast({{ dbt.dateadd('month', -12, 'month_start') }} as date)
                then 1
            else 0
        end as starts_island,
        case
            when {{ next_month }} is null
                or {{ next_month }} > cast({{ dbt.dateadd('month', 12, 'month_start') }} as date)
                then 1
            else 0
        end as ends_island

    from citizen_months
    window citizen_history as (
        partition by commune_id, breakdown, breakdown_value, citizen_number
        order by month_start
    )

),

rolling_steps as (

    select
        commune_id,
        breakdown,
        breakdown_value,
        month_start,
        1 as step

    from citizen_island_steps
    where starts_island = 1

    union all

    select
        commune_id,
        breakdown,
        breakdown_value,
        cast({{ dbt.dateadd('month', 12, 'month_start') }} as date) as month_start,
        -1 as step

    from citizen_island_steps
    where ends_island = 1

),

rolling_step_totals as (

    select
        commune_id,
        breakdown,
        breakdown_value,
        month_start,
        sum(step) as step

    from rolling_steps
    group by
        commune_id,
        breakdown,
        breakdown_value,
        month_start

),

-- every month in the data ends a rolling window (those ending after the data are left out)
data_months as (

    select distinct
        login_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        cast({{ dbt.date_trunc('month', 'login_dates.calendar_date') }} as date) as month_start

    from login_dates
    inner join breakdown_values
        on login_dates.commune_id = breakdown_values.commune_id

),

rolling_active_citizens as (

    select
        data_months.commune_id,
        data_months.breakdown,
        data_months.breakdown_value,
        'rolling_12_months' as period_type,
        substring(cast(data_months.month_start as {{ dbt.type_string() }}), 1, 7) as period,
        sum(coalesce(rolling_step_totals.step, 0)) over (
            partition by data_months.commune_id, data_months.breakdown, data_months.breakdown_value
            order by data_months.month_start
            rows between unbounded preceding and current row
        ) as active_citizens

    from data_months
    left join rolling_step_totals
        on data_months.commune_id = rolling_step_totals.commune_id
        and data_months.breakdown = rolling_step_totals.breakdown
        and data_months.breakdown_value = rolling_step_totals.breakdown_value
        and data_months.month_start = rolling_step_totals.month_start

),

period_active_citizens as (

    -- active_citizen_days, citizen_calendar_periods and citizen_quarters_and_years have one row per
    -- citizen and period
    select
        commune_id,
        breakdown,
        breakdown_value,
        'day' as period_type,
        cast(login_date_local as {{ dbt.type_string() }}) as period,
        count(*) as active_citizens

    from active_citizen_days
    group by
        commune_id,
        breakdown,
        breakdown_value,
        login_date_local

    union all

    select
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period,
        count(*) as active_citizens

    from (
        select commune_id, breakdown, breakdown_value, period_type, period from citizen_calendar_periods
        union all
        select commune_id, breakdown, breakdown_value, period_type, period from citizen_quarters_and_years
    ) as citizen_periods
    group by
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period

    union all

    select
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period,
        active_citizens

    from rolling_active_citizens

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
