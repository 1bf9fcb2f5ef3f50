{{ config(severity='warn') }}
-- A request closed before it was created points at a source problem; reported, not blocking.
select
    request_id,
    commune_id,
    created_at,
    closed_at

from {{ ref('fct_requests') }}
where closed_at < created_at
