-- The span of the store's data: the earliest and the latest order, survey answer or ticket
-- before $before (midnight after today, so a typo dated 2099 never moves "data as of").
SELECT min(earliest) AS data_from, max(latest) AS data_as_of
FROM (
    SELECT min(ordered_at) AS earliest, max(ordered_at) AS latest
    FROM orders WHERE ordered_at < $before
    UNION ALL
    SELECT min(answered_at), max(answered_at) FROM survey_responses WHERE answered_at < $before
    UNION ALL
    SELECT min(opened_at), max(opened_at) FROM tickets WHERE opened_at < $before
)
