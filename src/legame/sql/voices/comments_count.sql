-- The comments page: how many comments pass its filters (defs/comment_filter: bound $1 ..
-- $5), and how many of each detected language (for the language filter's counts).
SELECT coalesce(l.language, '') AS language, count(*) AS comments
FROM survey_responses s
LEFT JOIN comment_languages l
    ON l.response_id = s.response_id AND l.comment_md5 = md5(s.comment)
WHERE {{ comment_filter }}
GROUP BY 1
ORDER BY 2 DESC, 1
