{#
  Requests (dossiers), one row per commune and request (gold `fct_requests`), with the flags the
  adoption KPIs add up: digital channel, known channel, office hours. Incremental by local day of
  creation (macros/incremental.sql): a run with a window of days rebuilds those days.
#}

{{
    config(
        materialized='incremental',
        unique_key=['commune_id', 'request_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_incremental_window('created_date_local', 'request') }}"
    )
}}

with

requests as (

    select * from {{ ref('int_requests__office_hours') }}

)

select
    commune_id,
    request_id,
    service_code,
    channel,
    is_digital,
    is_known_channel,
    created_at,
    created_at_local,
    created_date_local,
    is_office_hours,
    is_after_hours,
    closed_at,
    status,
    citizen_key,
    -- when the row reached bronze: what a run without a window of days merges from
    bronze_ingested_at

from requests
where {{ incremental_window_filter('created_date_local') }}
