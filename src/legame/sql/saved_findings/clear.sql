-- saved_findings/clear: forget the stored findings (before the new ones are saved).
DELETE FROM findings
