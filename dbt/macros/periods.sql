{#
  Reporting periods. Every KPI is reported per commune and per local calendar period: day, ISO week,
  month, quarter, year and a rolling 12 months (KPIS.md). These macros turn rows that carry a local
  date into rows that carry each period containing that date, so a KPI model aggregates once with
  `group by period_type, period` instead of repeating its query per kind of period. Non-additive
  figures (medians, distinct citizens) stay right: they are computed over the rows of each period.

  Period labels:
    day                'YYYY-MM-DD'
    week               'YYYY-Www', the ISO year and week (2024-12-30 is in 2025-W01)
    month              'YYYY-MM'
    quarter            'YYYY-Qn'
    year               'YYYY'
    rolling_12_months  'YYYY-MM', the month that ends the window: the 12 months up to and including it
                       (a date belongs to 12 such windows)
#}


{% macro period_types() -%}
    {{ return(['day', 'week', 'month', 'quarter', 'year', 'rolling_12_months']) }}
{%- endmacro %}


{#
  Every row of `relation` (a CTE name or a ref) once per period that contains `date_column`, with the
  columns period_type, period, period_start and period_end added after the relation's own columns.
  `last_date_column` (optional): a column of the relation holding the last date of the data; rolling
  windows that end in a later month are left out (a window ending after the data is not a 12-month
  figure, and would repeat the last one eleven times).
#}
{% macro expand_to_periods(relation, date_column, period_types=none, last_date_column=none) -%}
    {%- set kinds = period_types if period_types is not none else civiclake.period_types() -%}
    {%- set string = dbt.type_string() -%}
    {%- set selects = [] -%}
    {%- for kind in kinds -%}
        {%- if kind == 'day' -%}
            {%- do selects.append(
                "select dated.*, 'day' as period_type, cast(" ~ date_column ~ " as " ~ string ~ ") as period, "
                ~ "cast(" ~ date_column ~ " as date) as period_start, cast(" ~ date_column ~ " as date) as period_end "
                ~ "from " ~ relation ~ " as dated") -%}
        {%- elif kind == 'week' -%}
            {%- set week_start = "cast(" ~ dbt.date_trunc('week', date_column) ~ " as date)" -%}
            {%- do selects.append(
                "select dated.*, 'week' as period_type, "
                ~ "cast(extract(year from " ~ dbt.dateadd('day', 3, week_start) ~ ") as " ~ string ~ ") || '-W' || "
                ~ "lpad(cast(extract(week from " ~ date_column ~ ") as " ~ string ~ "), 2, '0') as period, "
                ~ week_start ~ " as period_start, "
                ~ "cast(" ~ dbt.dateadd('day', 6, week_start) ~ " as date) as period_end "
                ~ "from " ~ relation ~ " as dated") -%}
        {%- elif kind == 'month' -%}
            {%- set month_start = "cast(" ~ dbt.date_trunc('month', date_column) ~ " as date)" -%}
            {%- do selects.append(
                "select dated.*, 'month' as period_type, "
                ~ "substring(cast(" ~ month_start ~ " as " ~ string ~ "), 1, 7) as period, "
                ~ month_start ~ " as period_start, "
                ~ "cast(" ~ dbt.last_day(date_column, 'month') ~ " as date) as period_end "
                ~ "from " ~ relation ~ " as dated") -%}
        {%- elif kind == 'quarter' -%}
            {%- do selects.append(
                "select dated.*, 'quarter' as period_type, "
                ~ "cast(extract(year from " ~ date_column ~ ") as " ~ string ~ ") || '-Q' || "
                ~ "cast(extract(quarter from " ~ date_column ~ ") as " ~ string ~ ") as period, "
                ~ "cast(" ~ dbt.date_trunc('quarter', date_column) ~ " as date) as period_start, "
                ~ "cast(" ~ dbt.last_day(date_column, 'quarter') ~ " as date) as period_end "
                ~ "from " ~ relation ~ " as dated") -%}
        {%- elif kind == 'year' -%}
            {%- do selects.append(
                "select dated.*, 'year' as period_type, "
                ~ "cast(extract(year from " ~ date_column ~ ") as " ~ string ~ ") as period, "
                ~ "cast(" ~ dbt.date_trunc('year', date_column) ~ " as date) as period_start, "
                ~ "cast(" ~ dbt.last_day(date_column, 'year') ~ " as date) as period_end "
                ~ "from " ~ relation ~ " as dated") -%}
        {%- elif kind == 'rolling_12_months' -%}
            {#- the window ending with month m (0 = the date's own month, ..., 11) contains the date -#}
            {%- set end_month = "cast(" ~ dbt.dateadd('month', 'months_ahead.month_offset',
                                   dbt.date_trunc('month', date_column)) ~ " as date)" -%}
            {%- do selects.append(
                "select dated.*, 'rolling_12_months' as period_type, "
                ~ "substring(cast(" ~ end_month ~ " as " ~ string ~ "), 1, 7) as period, "
                ~ "cast(" ~ dbt.dateadd('month', -11, end_month) ~ " as date) as period_start, "
                ~ "cast(" ~ dbt.last_day(end_month, 'month') ~ " as date) as period_end "
                ~ "from " ~ relation ~ " as dated cross join ("
                ~ "select generated_number - 1 as month_offset from (" ~ dbt.generate_series(12) ~ ") as series"
                ~ ") as months_ahead"
                ~ (" where " ~ dbt.date_trunc('month', end_month) ~ " <= " ~ dbt.date_trunc('month', last_date_column)
                   if last_date_column else "")) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("expand_to_periods: unknown period type " ~ kind
                                               ~ " (expected one of " ~ civiclake.period_types() | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endfor -%}
    {{ selects | join('\n    union all\n    ') }}
{%- endmacro %}


{#
  Every local date from each commune's first to its last date in `relation`, as (commune_id,
  calendar_date, last_date), last_date being the commune's last date: the spine a KPI model left-joins its facts to, so that days without activity are
  reported (with a zero count) instead of missing from the series.
#}
{% macro commune_date_spine(relation, date_column, max_days=36600) -%}
    select
        bounds.commune_id,
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'bounds.first_date') }} as date)
            as calendar_date,
        bounds.last_date

    from (
        select
            commune_id,
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date
        from {{ relation }}
        group by commune_id
    ) as bounds
    inner join ({{ dbt.generate_series(max_days) }}) as day_numbers
        on day_numbers.generated_number - 1 <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}
{%- endmacro %}
