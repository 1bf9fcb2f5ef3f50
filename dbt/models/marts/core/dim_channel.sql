{#
  The intake channels of the closed vocabulary (docs/data-contracts.md), once per commune, with their
  names and whether the commune counts them as digital (its configured digital_channels; the same
  test as int_requests__office_hours.is_digital, so the two always agree).
#}

with

communes as (

    select
        commune_id,
        digital_channels

    from {{ ref('stg_bronze__communes') }}

),

-- the vocabulary, in its documented order
channels as (

    select 1 as sort_order, 'portal' as channel, 'Portail web' as name_fr, 'Webportaal' as name_nl, 'Web portal' as name_en
    union all
    select 2, 'app', 'Application mobile', 'Mobiele app', 'Mobile app'
    union all
    select 3, 'email', 'Courriel', 'E-mail', 'Email'
    union all
    select 4, 'phone', 'Téléphone', 'Telefoon', 'Phone'
    union all
    select 5, 'counter', 'Guichet', 'Loket', 'Counter'
    union all
    select 6, 'post', 'Courrier postal', 'Post', 'Post'
    union all
    select 7, 'other', 'Autre', 'Andere', 'Other'
    union all
    select 8, 'unknown', 'Inconnu', 'Onbekend', 'Unknown'

)

select
    communes.commune_id,
    cast(channels.channel as {{ dbt.type_string() }}) as channel,
    cast(channels.name_fr as {{ dbt.type_string() }}) as name_fr,
    cast(channels.name_nl as {{ dbt.type_string() }}) as name_nl,
    cast(channels.name_en as {{ dbt.type_string() }}) as name_en,
    -- ('unknown' cannot be configured digital: assert_commune_digital_channels_in_vocabulary)
    coalesce({{ list_contains('communes.digital_channels', 'channels.channel') }}, false) as is_digital,
    channels.sort_order

from communes
cross join channels
