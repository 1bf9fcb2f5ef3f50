{#
  Incremental facts by local day. A fact whose history grows day by day (requests, case events, calls,
  appointments, portal logins) is materialized `incremental`, keyed on its primary key, and rebuilt for
  a window of days only:

  - `dbt build --vars '{window_start: 2024-03-01, window_end: 2024-03-31}'` (what the Dagster pipeline
    passes: the partition window of its run, local days, both inclusive) deletes the fact's rows of those
    days and inserts them again from staging: a corrected or deleted source row is corrected or deleted
    here too, and a new day costs a day's work.
  - without the vars (a standalone `dbt build`), only rows loaded into bronze after the newest load
    already in the fact (`bronze_ingested_at`) are merged on the key: new and changed rows, not deletions
    (`--full-refresh` rebuilds everything).
  - the first build, or `--full-refresh`, builds the whole table.

  Usage in a fact model:
    {{ config(materialized='incremental', unique_key=[...], incremental_strategy='delete+insert',
              pre_hook="{{ delete_incremental_window('created_date_local') }}") }}
    ... where {{ incremental_window_filter('created_date_local') }}
#}

{% macro incremental_window() -%}
    {#- (start, end) of the window given as vars, or none; both or neither must be given -#}
    {%- set start = var('window_start', none) -%}
    {%- set end = var('window_end', none) -%}
    {%- if (start is none) != (end is none) -%}
        {{ exceptions.raise_compiler_error(
            "window_start and window_end go together (got window_start=" ~ start ~ ", window_end=" ~ end ~ ")") }}
    {%- endif -%}
    {{ return(none if start is none else (start | string, end | string)) }}
{%- endmacro %}


{% macro incremental_window_filter(date_column, loaded_at_column='bronze_ingested_at') -%}
    {%- set window = incremental_window() -%}
    {%- if not is_incremental() -%}
        1 = 1
    {%- elif window is not none -%}
        {{ date_column }} between cast({{ dbt.string_literal(window[0]) }} as date)
            and cast({{ dbt.string_literal(window[1]) }} as date)
    {%- else -%}
        {{ loaded_at_column }} > (
            select coalesce(max({{ loaded_at_column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }}
        )
    {%- endif -%}
{%- endmacro %}


{#
  The pre-hook of an incremental fact: with a window, the window's rows go first, so that rows gone
  from the source (deleted in the CRM, say) go from the fact too. Nothing without a window.

  Retention (pipelines/retention.py): when a source keeps only its last N days, the bronze rows of older
  days are deleted, and staging, rebuilt from bronze, no longer has them. The fact must then keep its rows
  of those days, or the monthly KPIs built on it would lose their history. So, given the fact's `entity`,
  the rows of days before the commune's `frozen_before` day (`<lake>/retention/frozen_before.parquet`,
  written by the run before it deletes anything) are never deleted here: those days are frozen.
#}
{% macro delete_incremental_window(date_column, entity=none) -%}
    {%- set window = incremental_window() -%}
    {%- if is_incremental() and window is not none -%}
        {%- set frozen = env_var('CIVICLAKE_LAKE', '../lake') ~ '/retention/frozen_before.parquet' -%}
        delete from {{ this }}
        where {{ date_column }} between cast({{ dbt.string_literal(window[0]) }} as date)
            and cast({{ dbt.string_literal(window[1]) }} as date)
        {%- if entity is not none and civiclake_bronze_files_exist(frozen) %}
            and not exists (
                -- renamed, so that commune_id and the date column below are the fact's
                select 1
                from (
                    select entity as frozen_entity, commune_id as frozen_commune_id, frozen_before
                    from read_parquet({{ dbt.string_literal(frozen) }})
                ) as frozen
                where frozen_entity = {{ dbt.string_literal(entity) }}
                    and frozen_commune_id = commune_id
                    and {{ date_column }} < frozen_before
            )
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
