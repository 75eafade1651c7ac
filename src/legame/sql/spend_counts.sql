-- Repeat customers' (frequency, mean repeat spend) pairs with counts: Gamma-Gamma's input.
SELECT frequency, monetary_value, COUNT(*) AS n
FROM _summary
WHERE frequency > 0 AND monetary_value > 0
GROUP BY frequency, monetary_value
