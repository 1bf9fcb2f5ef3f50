{# Directly-follows transitions between the activity instances of each case (gold fct_case_transitions). #}

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
