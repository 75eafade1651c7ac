/* The gratitude program: what a proposed gesture's id and arm are made of, for each moment */
/* the program registers as gratitude_moments (i, seed, trigger, event_key), in their order: */
/* the id is GR- and the first 12 hex digits of the SHA-1 of 'trigger|event_key'; the arm */
/* is the holdout when the first 16 hex digits of the SHA-256 of 'seed|trigger|event_key', */
/* as a fraction of 16^16, are below the holdout share (the program compares them). The */
/* same as legame.engage.gratitude.plan's gesture_id and assign_arm, one moment at a time. */
SELECT
  'GR-' || SUBSTRING(SHA(trigger || '|' || event_key), 1, 12) AS gesture_id,
  SUBSTRING(SHA2(seed || '|' || trigger || '|' || event_key, 256), 1, 16) AS arm_digits
FROM gratitude_moments
ORDER BY
  i NULLS LAST
