-- The filters of the comments page, on survey_responses s left-joined with
-- comment_languages l; each is off when its bound value is NULL: $1 text the comment
-- contains, in any case (literally: no character of it is a wildcard), $2 the NPS group
-- (promoter, passive, detractor), $3 the detected language, $4 and $5 the period [from, to).
s.comment IS NOT NULL AND trim(s.comment) <> ''
AND ($1::VARCHAR IS NULL OR contains(lower(s.comment), lower($1)))
AND ($2::VARCHAR IS NULL
     OR CASE WHEN s.nps >= 9 THEN 'promoter' WHEN s.nps >= 7 THEN 'passive'
             WHEN s.nps >= 0 THEN 'detractor' END = $2)
AND ($3::VARCHAR IS NULL OR l.language = $3)
AND ($4::TIMESTAMP IS NULL OR s.answered_at >= $4)
AND ($5::TIMESTAMP IS NULL OR s.answered_at < $5)
