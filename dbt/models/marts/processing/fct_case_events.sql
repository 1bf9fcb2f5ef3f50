{# The case events in their order within each case (gold fct_case_events); key commune_id, case_id, event_order. #}

{#
  A view: a plain projection of its intermediate model, which is already a table; the gold export
  copies it to Parquet like any mart, so a second copy in DuckDB would only cost time and space.
#}
{{ config(materialized='view') }}

select
    commune_id,
    case_id,
    event_order,
    request_id,
    process_code,
    activity,
    lifecycle,
    event_at,
    event_at_local,
    event_date_local,
    resource_key,
    is_closing_activity,
    is_last_event

from {{ ref('int_case_events__ordered') }}
