-- The kept copy: its table, made of the first batch of rows read from the store (views/
-- index/rows, numbered: the Arrow table registered as `incoming`).
CREATE TABLE listed AS SELECT * FROM incoming
