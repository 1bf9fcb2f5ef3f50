{#
    The latest load of each key of a bronze relation. A source that is read again, or corrected, gives
    its rows again with a later _ingested_at; only the last version of each key counts. Ties on
    _ingested_at are broken deterministically (batch id, then row hash).
#}
{% macro latest_load(relation, key_columns) %}

    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by _ingested_at desc, _batch_id desc, _row_hash desc
            ) as version_rank

        from {{ relation }}
    ) as versions
    where version_rank = 1

{% endmacro %}
