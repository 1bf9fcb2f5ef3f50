{#
  numerator / denominator as a double, null when the denominator is 0 or null: a share of nothing is
  unknown, not 0 %.
#}
{% macro safe_ratio(numerator, denominator) -%}
    case
        when {{ denominator }} > 0
            then cast({{ numerator }} as double) / cast({{ denominator }} as double)
    end
{%- endmacro %}
