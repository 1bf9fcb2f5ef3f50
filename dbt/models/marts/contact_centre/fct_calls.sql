{#
  Queue calls, one row per commune and call (gold `fct_calls`): when the call entered the queue (UTC
  and local), its queue and outcome, the classification flags of the contact-centre KPIs
  (int_calls__outcomes) and its wait and talk times. What the dashboards slice by day, hour and queue.
#}

{{
    config(
        materialized='incremental',
        unique_key=['commune_id', 'call_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_incremental_window('entered_date_local', 'call') }}"
    )
}}


with

calls as (

    select * from {{ ref('int_calls__outcomes') }}

)

select
    commune_id,
    call_id,
    queue,
    outcome,
    entered_at,
    entered_at_local,
    entered_date_local,
    entered_hour_local,
    answered_at,
    ended_at,
    is_offered,
    is_answered,
    is_abandoned,
    is_short_abandon,
    answered_within_threshold,
    abandoned_after_threshold,
    wait_s,
    talk_s,
    agent_key,
    -- when the row reached bronze: what a run without a window of days merges from
    bronze_ingested_at

from calls
where {{ incremental_window_filter('entered_date_local') }}
