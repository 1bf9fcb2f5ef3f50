{#
  Each queue call with the classification the contact-centre KPIs count (KPIS.md "Contact centre").

  Outcome vocabulary (connectors/telephony.py): answered and transferred were connected to an agent;
  abandoned, timeout and exit_empty left the queue before an agent answered. A call that left before
  an answer after a wait strictly under var('short_abandon_seconds', 5) is a short abandon, counted
  apart from the abandons. var('service_level_seconds', 20) is the service-level threshold T: a call
  answered after exactly T seconds is within it, a call abandoned after exactly T is not after it.

  A call with no outcome (null: not yet known) is none of offered, answered or abandoned. A wait that is
  unknown (null) is neither short nor within / after T: the call stays answered or abandoned.
#}

with

calls as (

    select * from {{ ref('stg_bronze__calls') }}

),

classified as (

    select
        *,
        coalesce(outcome in ('answered', 'transferred'), false) as is_answered,
        coalesce(outcome in ('abandoned', 'timeout', 'exit_empty'), false) as is_left_before_answer,
        coalesce(wait_s < {{ var('short_abandon_seconds', 5) }}, false) as is_short_wait

    from calls

),

flagged as (

    select
        commune_id,
        call_id,
        queue,
        outcome,
        entered_at,
        entered_at_local,
        entered_date_local,
        cast(extract(hour from entered_at_local) as integer) as entered_hour_local,
        answered_at,
        ended_at,
        wait_s,
        talk_s,
        agent_key,

        is_answered or is_left_before_answer as is_offered,
        is_answered,
        is_left_before_answer and not is_short_wait as is_abandoned,
        is_left_before_answer and is_short_wait as is_short_abandon,
        is_answered and coalesce(wait_s <= {{ var('service_level_seconds', 20) }}, false)
            as answered_within_threshold,
        is_left_before_answer and not is_short_wait
            and coalesce(wait_s > {{ var('service_level_seconds', 20) }}, false)
            as abandoned_after_threshold,

        bronze_source,
        bronze_batch_id,
        bronze_ingested_at,
        bronze_row_hash

    from classified

)

select * from flagged
