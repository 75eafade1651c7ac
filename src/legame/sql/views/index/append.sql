-- The kept copy: every further batch of rows read from the store (see views/index/create).
INSERT INTO listed SELECT * FROM incoming
