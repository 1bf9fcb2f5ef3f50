{#
  The adoption KPIs of KPIS.md, one long table (gold `kpi_adoption`): every KPI model of the adoption
  family in the KPI format (commune, period, kpi_name, breakdown, numerator, denominator, value).
#}

select * from {{ ref('int_requests__kpis') }}

union all

select * from {{ ref('int_services__kpis') }}

union all

select * from {{ ref('int_appointments__kpis') }}

union all

select * from {{ ref('int_portal_logins__kpis') }}
