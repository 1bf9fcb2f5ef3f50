{#
  Where each KPI with a target stands (KPIS.md target_status), as of every month: the latest monthly
  value, the gap to the target, a least-squares projection to the deadline from the last 12 monthly
  values (at least var('target_min_months', 3) of them), its 95 % prediction interval, and a status:
    met        the latest value reaches the target;
    on track   not yet, but the whole interval at the deadline reaches it;
    at risk    the interval straddles the target (the projection may or may not reach it);
    off track  even the optimistic end of the interval misses it, or the deadline has passed unmet.
  One row per commune, KPI, target deadline and month of reference ("as of"): the dashboards draw the
  series, `civiclake kpis --period 2024` takes the row as of the period's last month.
  A month is indexed as year * 12 + month, so that x counts months; monthly values are those of the
  commune as a whole (breakdown 'all').
#}

{%- set kpi_models = ['kpi_adoption', 'kpi_contact_centre', 'kpi_processing'] %}
{%- set min_months = var('target_min_months', 3) %}

with

targets as (

    select * from {{ ref('stg_bronze__targets') }}

),

monthly_values as (

    {% for kpi_model in kpi_models %}
    select
        commune_id,
        kpi_name,
        period as month,
        cast(extract(year from period_start) * 12 + extract(month from period_start) as integer) as month_index,
        period_end as month_end,
        numerator,
        denominator,
        value,
        unit

    from {{ ref(kpi_model) }}
    where period_type = 'month'
        and breakdown = 'all'
        and value is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

targeted_values as (

    select
        targets.commune_id,
        targets.kpi_name,
        targets.target_value,
        targets.deadline,
        cast(extract(year from targets.deadline) * 12 + extract(month from targets.deadline) as integer)
            as deadline_month_index,
        monthly_values.month,
        monthly_values.month_index,
        monthly_values.month_end,
        monthly_values.numerator,
        monthly_values.denominator,
        monthly_values.value,
        monthly_values.unit

    from targets
    inner join monthly_values
        on targets.commune_id = monthly_values.commune_id
        and targets.kpi_name = monthly_values.kpi_name

),

-- each month with a value is a point of reference; its window is the 12 months that end with it
windows as (

    select
        reference.commune_id,
        reference.kpi_name,
        reference.target_value,
        reference.deadline,
        reference.deadline_month_index,
        reference.month as as_of_month,
        reference.month_index as as_of_month_index,
        reference.month_end as as_of_date,
        reference.value as latest_value,
        reference.numerator as latest_numerator,
        reference.denominator as latest_denominator,
        reference.unit,
        -- x is the month relative to the reference month (-11 to 0), y the monthly value
        cast(point.month_index - reference.month_index as double) as x,
        point.value as y

    from targeted_values as reference
    inner join targeted_values as point
        on reference.commune_id = point.commune_id
        and reference.kpi_name = point.kpi_name
        and reference.deadline = point.deadline
        and point.month_index between reference.month_index - 11 and reference.month_index

),

sums as (

    select
        commune_id,
        kpi_name,
        target_value,
        deadline,
        deadline_month_index,
        as_of_month,
        as_of_month_index,
        as_of_date,
        latest_value,
        latest_numerator,
        latest_denominator,
        unit,
        count(*) as n,
        sum(x) as sum_x,
        sum(y) as sum_y,
        sum(x * x) as sum_xx,
        sum(x * y) as sum_xy

    from windows
    group by
        commune_id,
        kpi_name,
        target_value,
        deadline,
        deadline_month_index,
        as_of_month,
        as_of_month_index,
        as_of_date,
        latest_value,
        latest_numerator,
        latest_denominator,
        unit

),

fits as (

    select
        *,
        cast(deadline_month_index - as_of_month_index as double) as x_deadline,
        sum_xx - sum_x * sum_x / n as centred_sum_xx,
        case
            when n >= {{ min_months }} and n * sum_xx - sum_x * sum_x > 0
                then (n * sum_xy - sum_x * sum_y) / (n * sum_xx - sum_x * sum_x)
        end as slope

    from sums

),

projections as (

    select
        *,
        (sum_y - slope * sum_x) / n as intercept

    from fits

),

-- residuals summed in a second pass over the points (not from the sums of squares: that formula
-- cancels catastrophically and turns an exact line into a spurious uncertainty)
residuals as (

    select
        projections.commune_id,
        projections.kpi_name,
        projections.deadline,
        projections.as_of_month,
        sum(power(windows.y - (projections.intercept + projections.slope * windows.x), 2))
            as residual_sum_of_squares

    from projections
    inner join windows
        on projections.commune_id = windows.commune_id
        and projections.kpi_name = windows.kpi_name
        and projections.deadline = windows.deadline
        and projections.as_of_month = windows.as_of_month
    group by
        projections.commune_id,
        projections.kpi_name,
        projections.deadline,
        projections.as_of_month

),

intervals as (

    select
        projections.*,
        intercept + slope * x_deadline as projected_value,
        -- half-width of the 95 % prediction interval of the value at the deadline
        case
            when slope is not null and n > 2
                then {{ student_t_975('n - 2') }}
                    * sqrt(residuals.residual_sum_of_squares / (n - 2))
                    * sqrt(1 + 1.0 / n + power(x_deadline - sum_x / n, 2) / centred_sum_xx)
        end as projection_half_width

    from projections
    inner join residuals
        on projections.commune_id = residuals.commune_id
        and projections.kpi_name = residuals.kpi_name
        and projections.deadline = residuals.deadline
        and projections.as_of_month = residuals.as_of_month

),

oriented as (

    select
        *,
        kpi_name in ('{{ lower_is_better_kpis() | join("', '") }}') as lower_is_better

    from intervals

),

statuses as (

    select
        *,
        case
            when (not lower_is_better and latest_value >= target_value)
                or (lower_is_better and latest_value <= target_value)
                then 'met'
            when as_of_month_index >= deadline_month_index
                then 'off track'
            when slope is null
                then null
            when (not lower_is_better and projected_value - projection_half_width >= target_value)
                or (lower_is_better and projected_value + projection_half_width <= target_value)
                then 'on track'
            when (not lower_is_better and projected_value + projection_half_width >= target_value)
                or (lower_is_better and projected_value - projection_half_width <= target_value)
                then 'at risk'
            else 'off track'
        end as status

    from oriented

)

select
    commune_id,
    kpi_name,
    target_value,
    deadline,
    as_of_month,
    as_of_date,
    latest_value,
    latest_numerator,
    latest_denominator,
    -- rounded to 6 decimals: finer digits are floating-point noise, not information
    round(target_value - latest_value, 6) as gap,
    lower_is_better,
    cast(n as integer) as months_used,
    round(slope, 6) as slope_per_month,
    -- a share cannot leave 0..1: the line and its interval are cut there
    round({{ clip_share('projected_value', 'unit') }}, 6) as projected_value,
    round({{ clip_share('projected_value - projection_half_width', 'unit') }}, 6) as projection_low,
    round({{ clip_share('projected_value + projection_half_width', 'unit') }}, 6) as projection_high,
    status

from statuses
