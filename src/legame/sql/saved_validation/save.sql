-- saved_validation/save: store the latest validation (bound: $1 the validation as JSON).
INSERT INTO clv_validation VALUES (now()::TIMESTAMP, $1)
