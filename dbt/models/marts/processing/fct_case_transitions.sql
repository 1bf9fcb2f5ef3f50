{# Directly-follows transitions between the activity instances of each case (gold fct_case_transitions). #}

{#
  A view: a plain projection of its intermediate model, which is already a table; the gold export
  copies it to Parquet like any mart, so a second copy in DuckDB would only cost time and space.
#}
{{ config(materialized='view') }}

select
    commune_id,
    case_id,
    transition_order,
    process_code,
    from_activity,
    to_activity,
    transition,
    from_at,
    to_at,
    to_date_local,
    wait_seconds

from {{ ref('int_case_events__transitions') }}
