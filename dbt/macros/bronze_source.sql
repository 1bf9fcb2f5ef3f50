{#
  A bronze entity source that may have no file at all. A commune's configuration may declare no source
  for an entity, so `bronze/<entity>/` may not exist, and DuckDB's read_parquet fails on a glob that
  matches nothing. At execution time this macro looks for the files behind the source's
  external_location (its first quoted path) and returns:
    - the source itself (the read_parquet of its external_location) when at least one file exists;
    - otherwise an empty relation with the bronze contract's columns and types, taken from the
      `data_type` of the source's columns in _sources.yml (every column must declare one).
  At parse time (`execute` false) and in unit tests (the source is then a fixture, not an external
  location) the source is returned untouched, so lineage (`source()`) is recorded as usual.
#}
{% macro bronze_source(table_name, source_name='bronze') -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set external = relation.external if relation.external is defined else none -%}
    {%- if not execute or not external -%}
        {{ return(relation) }}
    {%- endif -%}

    {%- set found = modules.re.search("read_parquet\(\s*\[?\s*'([^']+)'", external) -%}
    {%- if not found -%}
        {{ exceptions.raise_compiler_error(
            "bronze_source: no read_parquet('<path>') in the external_location of "
            ~ source_name ~ "." ~ table_name ~ ": " ~ external) }}
    {%- endif -%}
    {%- if civiclake_bronze_files_exist(found.group(1)) -%}
        {{ return(relation) }}
    {%- endif -%}

    {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', source_name)
                   | selectattr('name', 'equalto', table_name) | first -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- if not column.data_type -%}
            {{ exceptions.raise_compiler_error(
                "bronze_source: column " ~ column.name ~ " of source " ~ source_name ~ "." ~ table_name
                ~ " has no data_type in _sources.yml (needed for the empty relation)") }}
        {%- endif -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(
            "bronze_source: source " ~ source_name ~ "." ~ table_name ~ " declares no columns") }}
    {%- endif -%}
    {{ log("bronze_source: no file for " ~ source_name ~ "." ~ table_name ~ " (" ~ found.group(1)
           ~ "); reading it as an empty relation", info=true) }}
    {{ return("(select " ~ columns | join(", ") ~ " where false)") }}
{%- endmacro %}


{#
  True when at least one file matches a glob pattern. Dispatched per adapter: DuckDB's glob() table
  function returns no row (and no error) when nothing matches, even if the folder does not exist.
#}
{% macro civiclake_bronze_files_exist(pattern) -%}
    {{ return(adapter.dispatch('civiclake_bronze_files_exist', 'civiclake')(pattern)) }}
{%- endmacro %}

{% macro default__civiclake_bronze_files_exist(pattern) -%}
    {%- set result = run_query("select count(*) from glob(" ~ dbt.string_literal(pattern) ~ ")") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}
