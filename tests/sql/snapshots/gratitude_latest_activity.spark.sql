/* The gratitude program: the latest moment the store knows of (an order, a fee, a ticket, a */
/* survey answer or a referral), the default time of a plan and of its results. */
SELECT
  GREATEST(
    (
      SELECT
        MAX(ordered_at)
      FROM orders
    ),
    (
      SELECT
        MAX(charged_at)
      FROM charges
    ),
    (
      SELECT
        MAX(opened_at)
      FROM tickets
    ),
    (
      SELECT
        MAX(answered_at)
      FROM survey_responses
    ),
    (
      SELECT
        MAX(referred_at)
      FROM referrals
    )
  ) AS latest
