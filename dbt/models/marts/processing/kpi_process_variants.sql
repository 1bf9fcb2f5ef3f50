{#
  The top variants of each process (gold kpi_process_variants): per commune, period of closing
  (month, quarter, year, rolling_12_months) and process, the var('variants_top_n', 10) most frequent
  sequences of activities among the cases closed in the period, with their count, share of the closed
  cases of the process and median lead time. Ties in count are ranked by the variant text.
#}

with

cases as (

    select
        commune_id,
        case_id,
        process_code,
        variant,
        closed_date_local,
        lead_time_days,
        max(greatest(last_event_date_local, coalesce(closed_date_local, last_event_date_local)))
            over (partition by commune_id) as last_date

    from {{ ref('int_case_events__cases') }}
    where is_closed

),

cases_by_period as (

    {{ expand_to_periods('cases', 'closed_date_local',
                         period_types=['month', 'quarter', 'year', 'rolling_12_months'],
                         last_date_column='last_date') }}

),

variant_stats as (

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        process_code,
        variant,
        count(*) as cases,
        percentile_cont(0.5) within group (order by lead_time_days) as lead_time_median_days

    from cases_by_period
    group by
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        process_code,
        variant

),

ranked as (

    select
        *,
        sum(cases) over (partition by commune_id, period_type, period, process_code) as process_cases,
        row_number() over (
            partition by commune_id, period_type, period, process_code
            order by cases desc, variant
        ) as variant_rank

    from variant_stats

)

select
    commune_id,
    period_type,
    period,
    period_start,
    period_end,
    process_code,
    variant_rank,
    variant,
    cases,
    process_cases,
    cast(cases as double) / process_cases as share,
    lead_time_median_days

from ranked
where variant_rank <= {{ var('variants_top_n', 10) }}
