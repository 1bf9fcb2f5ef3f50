-- An opening window must open before it closes.
select *
from {{ ref('stg_bronze__office_hours') }}
where opens_at_second_of_day >= closes_at_second_of_day
