-- 0009: the language each survey comment is written in, detected once
-- (legame.voices.languages), so the comments page filters by it without reading every
-- comment again; comment_md5 is the comment's digest when it was detected, so a comment
-- changed by a later import is detected again. Derived data: erased with the customer.
CREATE TABLE comment_languages (
    response_id VARCHAR PRIMARY KEY,
    customer_id VARCHAR NOT NULL,
    comment_md5 VARCHAR NOT NULL,
    language VARCHAR NOT NULL
);
