{{ config(severity='warn') }}
-- A creation time before 2000 or after today (local) is almost surely a source error, and it would
-- stretch the day series of kpi_adoption over years without requests; reported, not blocking.
select
    request_id,
    commune_id,
    created_at,
    created_date_local

from {{ ref('fct_requests') }}
where
    created_date_local < cast('2000-01-01' as date)
    or created_date_local > {{ dbt.dateadd('day', 1, dbt.current_timestamp()) }}
