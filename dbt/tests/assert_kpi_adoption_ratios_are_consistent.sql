-- Every kpi_adoption row is arithmetically sound: counts are non-negative, a count KPI has no
-- denominator, a ratio has one at least as large as its numerator, value = numerator / denominator
-- (null when the denominator is 0), and the period bounds are ordered.
select *
from {{ ref('kpi_adoption') }}
where
    numerator < 0
    or period_start > period_end
    or (kpi_name = 'requests_volume' and (denominator is not null or value <> numerator))
    or (
        kpi_name <> 'requests_volume'
        and (
            denominator is null
            or numerator > denominator
            or (denominator = 0 and value is not null)
            or (denominator > 0 and (value is null or abs(value - cast(numerator as double) / denominator) > 1e-12))
        )
    )
