{#
  The rules every table in the long KPI format keeps (models/_kpi_format.md). Fails for each row that
  breaks one, with the rule it breaks:
    - a key column is null;
    - period_type is not a known kind of period, or period_end is before period_start;
    - breakdown and breakdown_value are not both 'all' or both something else;
    - unit is not one of count, share, seconds, days, citizens;
    - a numerator or denominator is negative, or a plain count (no denominator) differs from its numerator;
    - a share lies outside 0..1, or differs from numerator / denominator;
    - a ratio has a value where its denominator is 0 (a share of nothing is unknown, not 0 %).
  Uniqueness of the key is tested apart (unique_combination_of_columns), so that a failure names it.
#}
{% test kpi_long_format(model) %}

with

checked as (

    select
        *,
        case
            when commune_id is null or period_type is null or period is null or period_start is null
                or period_end is null or kpi_name is null or breakdown is null or breakdown_value is null
                or unit is null
                then 'a key column is null'
            when period_type not in ('day', 'week', 'month', 'quarter', 'year', 'rolling_12_months')
                then 'unknown period_type'
            when period_end < period_start
                then 'period_end before period_start'
            when (breakdown = 'all') <> (breakdown_value = 'all')
                then 'breakdown and breakdown_value disagree on all'
            when unit not in ('count', 'share', 'seconds', 'days', 'citizens')
                then 'unknown unit'
            when numerator < 0 or denominator < 0
                then 'negative numerator or denominator'
            when unit = 'count' and denominator is null and value <> numerator
                then 'a count differs from its numerator'
            when unit = 'share' and (value < 0 or value > 1)
                then 'share outside 0..1'
            when unit = 'share' and denominator > 0 and numerator is not null
                and abs(value - cast(numerator as double) / cast(denominator as double)) > 1e-9
                then 'share differs from numerator / denominator'
            when unit = 'share' and denominator = 0 and value is not null
                then 'share with a zero denominator'
        end as broken_rule

    from {{ model }}

)

select * from checked
where broken_rule is not null

{% endtest %}
