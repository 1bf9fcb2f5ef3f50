{#
  The counts and sums the contact-centre KPIs are built from, per commune, period and breakdown (wide:
  one column per term), before kpi_contact_centre turns them into the long KPI format.

  Breakdowns: 'all' (the commune as a whole) and 'queue' (each queue the commune's calls entered; a
  call with no queue is counted under 'unknown'). Every day from the commune's first to its last call
  day is reported for every breakdown value, days without calls too (counts 0), so that the series
  have no silent gaps; then every period that contains one of those days. Sums of seconds are summed
  per day then per period, never averaged, so that the means stay exact.
#}

with

calls as (

    select
        commune_id,
        entered_date_local,
        coalesce(queue, 'unknown') as queue,
        is_offered,
        is_answered,
        is_abandoned,
        is_short_abandon,
        answered_within_threshold,
        abandoned_after_threshold,
        wait_s,
        talk_s

    from {{ ref('fct_calls') }}

),

commune_dates as (

    {{ commune_date_spine('calls', 'entered_date_local') }}

),

commune_queues as (

    select distinct
        commune_id,
        queue

    from calls

),

-- the gap-free days of each breakdown value: the commune as a whole, and each of its queues
breakdown_dates as (

    select
        commune_id,
        calendar_date,
        last_date,
        'all' as breakdown,
        'all' as breakdown_value

    from commune_dates

    union all

    select
        commune_dates.commune_id,
        commune_dates.calendar_date,
        commune_dates.last_date,
        'queue' as breakdown,
        commune_queues.queue as breakdown_value

    from commune_dates
    inner join commune_queues
        on commune_dates.commune_id = commune_queues.commune_id

),

calls_by_breakdown as (

    select calls.*, 'all' as breakdown, 'all' as breakdown_value from calls

    union all

    select calls.*, 'queue' as breakdown, queue as breakdown_value from calls

),

daily_counts as (

    select
        breakdown_dates.commune_id,
        breakdown_dates.calendar_date,
        breakdown_dates.last_date,
        breakdown_dates.breakdown,
        breakdown_dates.breakdown_value,
        sum(case when calls.is_offered then 1 else 0 end) as calls_offered,
        sum(case when calls.is_answered then 1 else 0 end) as calls_answered,
        sum(case when calls.is_abandoned then 1 else 0 end) as calls_abandoned,
        sum(case when calls.is_short_abandon then 1 else 0 end) as calls_short_abandoned,
        sum(case when calls.answered_within_threshold then 1 else 0 end) as calls_answered_within_threshold,
        sum(case when calls.abandoned_after_threshold then 1 else 0 end) as calls_abandoned_after_threshold,
        -- means over the answered calls whose wait (talk) time is known
        sum(case when calls.is_answered and calls.wait_s is not null then 1 else 0 end) as answered_with_wait,
        sum(case when calls.is_answered then calls.wait_s end) as answered_wait_seconds,
        sum(case when calls.is_answered and calls.talk_s is not null then 1 else 0 end) as answered_with_talk,
        sum(case when calls.is_answered then calls.talk_s end) as answered_talk_seconds

    from breakdown_dates
    left join calls_by_breakdown as calls
        on breakdown_dates.commune_id = calls.commune_id
        and breakdown_dates.calendar_date = calls.entered_date_local
        and breakdown_dates.breakdown = calls.breakdown
        and breakdown_dates.breakdown_value = calls.breakdown_value
    group by
        breakdown_dates.commune_id,
        breakdown_dates.calendar_date,
        breakdown_dates.last_date,
        breakdown_dates.breakdown,
        breakdown_dates.breakdown_value

),

daily_by_period as (

    {{ expand_to_periods('daily_counts', 'calendar_date', last_date_column='last_date') }}

),

period_counts as (

    select
        {{ kpi_grain() }},
        cast(sum(calls_offered) as bigint) as calls_offered,
        cast(sum(calls_answered) as bigint) as calls_answered,
        cast(sum(calls_abandoned) as bigint) as calls_abandoned,
        cast(sum(calls_short_abandoned) as bigint) as calls_short_abandoned,
        cast(sum(calls_answered_within_threshold) as bigint) as calls_answered_within_threshold,
        cast(sum(calls_abandoned_after_threshold) as bigint) as calls_abandoned_after_threshold,
        cast(sum(answered_with_wait) as bigint) as answered_with_wait,
        cast(coalesce(sum(answered_wait_seconds), 0) as double) as answered_wait_seconds,
        cast(sum(answered_with_talk) as bigint) as answered_with_talk,
        cast(coalesce(sum(answered_talk_seconds), 0) as double) as answered_talk_seconds

    from daily_by_period
    group by
        {{ kpi_grain() }}

)

select * from period_counts
