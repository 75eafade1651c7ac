-- One comment's language: bound $1 response, $2 customer, $3 the comment's md5, $4 the
-- ISO 639-1 code.
INSERT OR REPLACE INTO comment_languages (response_id, customer_id, comment_md5, language)
VALUES ($1, $2, $3, $4)
