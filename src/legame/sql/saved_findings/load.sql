-- saved_findings/load: the stored findings in their order, with when they were computed.
SELECT payload, computed_at FROM findings ORDER BY position
