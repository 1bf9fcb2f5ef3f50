{#
  Second of the day (0 to 86399) of a local timestamp or time of day. Written with `extract` only, so
  it is portable; fractions of a second are dropped, which keeps the comparison with whole-minute
  office-hour bounds exact (16:59:59.9 is still before 17:00).
#}
{% macro second_of_day(expression) -%}
    cast(
        extract(hour from {{ expression }}) * 3600
        + extract(minute from {{ expression }}) * 60
        + floor(extract(second from {{ expression }}))
        as integer
    )
{%- endmacro %}
