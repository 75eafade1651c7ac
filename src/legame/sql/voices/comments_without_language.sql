-- Survey comments whose language is not known yet (or whose text changed since it was
-- detected), $limit at a time.
SELECT s.response_id, s.customer_id, md5(s.comment) AS comment_md5, s.comment
FROM survey_responses s
WHERE s.comment IS NOT NULL AND trim(s.comment) <> ''
  AND NOT EXISTS (SELECT 1 FROM comment_languages c
                  WHERE c.response_id = s.response_id AND c.comment_md5 = md5(s.comment))
ORDER BY s.response_id
LIMIT $limit
