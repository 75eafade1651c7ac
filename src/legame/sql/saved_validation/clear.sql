-- saved_validation/clear: forget the stored validation (before the new one is saved).
DELETE FROM clv_validation
