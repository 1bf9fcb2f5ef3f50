{#
  The processing and bottleneck KPIs of KPIS.md, one long table (gold kpi_processing) in the KPI
  format: lead time, SLA compliance, throughput and rework (int_case_events__case_kpis), backlog
  (int_case_events__backlog_kpis), transition waits, bottlenecks and activity durations
  (int_case_events__wait_kpis).
#}

select * from {{ ref('int_case_events__case_kpis') }}
union all
select * from {{ ref('int_case_events__backlog_kpis') }}
union all
select * from {{ ref('int_case_events__wait_kpis') }}
