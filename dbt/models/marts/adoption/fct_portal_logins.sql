{#
  Portal login attempts, one row per commune, citizen, time and method (the contract's key; gold
  `fct_portal_logins`), failed ones too, with the local day the daily_active_citizens KPIs count them on.
#}

{{
    config(
        materialized='incremental',
        unique_key=['commune_id', 'citizen_key', 'login_at', 'method'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_incremental_window('login_date_local', 'portal_login') }}"
    )
}}


with

logins as (

    select * from {{ ref('stg_bronze__portal_logins') }}

)

select
    commune_id,
    citizen_key,
    method,
    success,
    login_at,
    login_at_local,
    login_date_local,
    -- when the row reached bronze: what a run without a window of days merges from
    bronze_ingested_at

from logins
where {{ incremental_window_filter('login_date_local') }}
