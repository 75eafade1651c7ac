-- The comments page: one page of survey comments that pass its filters
-- (defs/comment_filter: bound $1 .. $5), newest first; bound: $6 the page size, $7 the rows
-- before the page.
SELECT s.response_id, s.customer_id, s.answered_at, s.nps, s.csat, s.ces,
       s.comment, l.language
FROM survey_responses s
LEFT JOIN comment_languages l
    ON l.response_id = s.response_id AND l.comment_md5 = md5(s.comment)
WHERE {{ comment_filter }}
ORDER BY s.answered_at DESC, s.response_id DESC
LIMIT $6 OFFSET $7
