-- Every digital channel a commune declares belongs to the channel vocabulary of KPIS.md.
with

declared as (

    select
        commune_id,
        unnest(digital_channels) as channel

    from {{ ref('stg_bronze__communes') }}

)

select *
from declared
where channel not in ('portal', 'app', 'email', 'phone', 'counter', 'post', 'other')
