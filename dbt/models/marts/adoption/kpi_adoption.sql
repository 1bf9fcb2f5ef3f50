{#
  The adoption KPIs of KPIS.md, one long table (gold `kpi_adoption`): every KPI model of the adoption
  family in the KPI format (commune, period, kpi_name, breakdown, numerator, denominator, value).
#}

select * from {{ ref('int_requests__kpis') }}
