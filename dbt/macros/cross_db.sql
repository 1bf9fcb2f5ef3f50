{#
  The few expressions that have no portable SQL form. Each dispatches on the adapter so that another
  engine (Spark through dbt-spark, as planned in ARCHITECTURE.md) only needs a `<adapter>__` variant
  here, not a change in the models. The `default__` forms run on DuckDB (and PostgreSQL).
#}

{% macro to_local_timestamp(utc_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'civiclake')(utc_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_timestamp, time_zone) -%}
    timezone({{ time_zone }}, {{ utc_timestamp }})
{%- endmacro %}
{# Spark: from_utc_timestamp({{ utc_timestamp }}, {{ time_zone }}) #}


{% macro iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('iso_weekday', 'civiclake')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as integer)
{%- endmacro %}
{# Spark: extract(dayofweek_iso from {{ date_expression }}) #}


{% macro list_contains(list_expression, value_expression) -%}
    {{ return(adapter.dispatch('list_contains', 'civiclake')(list_expression, value_expression)) }}
{%- endmacro %}

{% macro default__list_contains(list_expression, value_expression) -%}
    array_contains({{ list_expression }}, {{ value_expression }})
{%- endmacro %}
{# Spark has the same array_contains(array, value); PostgreSQL: value = any(array). #}
