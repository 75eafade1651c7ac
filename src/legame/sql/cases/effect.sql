-- cases/effect: the detractor cases in detractor_callback's experiment (arm treatment or
-- holdout) whose whole follow-up is observed (the answer at least $followup_days days
-- before $as_of), each with whether it was called, the customer's next NPS answer after
-- the detractor answer within the follow-up (NULL: none), and the completed orders in the
-- follow-up (after the answer, up to followup_days later). Only the cases opened in the
-- period [$1, $2) (defs/case_event_in: bound, off when NULL).
WITH experiment AS (
    SELECT case_id, customer_id, arm, event_at, first_contact_at
    FROM cases
    WHERE kind = 'detractor' AND arm IN ('treatment', 'holdout')
      AND event_at <= $as_of - INTERVAL $followup_days DAY
      AND {{ case_event_in }}
),
next_answer AS (
    SELECT case_id, next_nps FROM (
        SELECT e.case_id, r.nps AS next_nps,
               ROW_NUMBER() OVER (PARTITION BY e.case_id
                                  ORDER BY r.answered_at, r.response_id) AS k
        FROM experiment e
        JOIN survey_responses r
            ON r.customer_id = e.customer_id AND r.nps IS NOT NULL
           AND r.answered_at > e.event_at
           AND r.answered_at <= e.event_at + INTERVAL $followup_days DAY
    ) ranked
    WHERE k = 1
),
bought AS (
    SELECT e.case_id, count(o.order_id) AS orders_after
    FROM experiment e
    LEFT JOIN orders o
        ON o.customer_id = e.customer_id AND o.status = 'completed'
       AND o.ordered_at > e.event_at
       AND o.ordered_at <= e.event_at + INTERVAL $followup_days DAY
    GROUP BY e.case_id
)
SELECT e.case_id, e.customer_id, e.arm, e.first_contact_at IS NOT NULL AS contacted,
       n.next_nps, b.orders_after
FROM experiment e
JOIN bought b ON b.case_id = e.case_id
LEFT JOIN next_answer n ON n.case_id = e.case_id
ORDER BY e.case_id
