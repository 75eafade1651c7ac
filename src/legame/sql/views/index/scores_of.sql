-- The kept copy: the current CLV and churn risk of some customers (bound: $1 the list of
-- customer ids), as cases/scores reads them from the store.
SELECT customer_id, CAST(clv AS DOUBLE) AS clv, CAST(churn_risk AS VARCHAR) AS churn_risk
FROM listed
WHERE customer_id IN (SELECT unnest($1))
