{# One row per case (gold fct_cases): duration, closing, lead time, SLA and variant. #}

{#
  A view: a plain projection of its intermediate model, which is already a table; the gold export
  copies it to Parquet like any mart, so a second copy in DuckDB would only cost time and space.
#}
{{ config(materialized='view') }}

select
    commune_id,
    case_id,
    request_id,
    process_code,
    channel,
    service_code,
    sla_days,
    first_event_at,
    first_event_date_local,
    last_event_at,
    last_event_date_local,
    last_activity,
    event_count,
    activity_instance_count,
    variant,
    case_duration_seconds,
    case_duration_days,
    is_closed,
    closed_by,
    closed_at,
    closed_date_local,
    lead_time_seconds,
    lead_time_days,
    is_within_sla

from {{ ref('int_case_events__cases') }}
