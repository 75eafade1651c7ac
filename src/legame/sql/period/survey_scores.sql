-- CSAT (1-5; satisfied is 4 or 5) and CES (1-7; higher is more effort) in the period
-- [$start, $end) and in the one before it, [$previous_start, $start), every answer counted.
SELECT
    CASE WHEN answered_at >= $start THEN 'current' ELSE 'previous' END AS period,
    count(csat) AS csat_n,
    count(CASE WHEN csat >= 4 THEN 1 END) AS csat_satisfied,
    count(ces) AS ces_n,
    avg(ces) AS ces_mean,
    var_samp(ces) AS ces_var
FROM survey_responses
WHERE answered_at < $end AND answered_at >= COALESCE($previous_start, $start)
GROUP BY 1
