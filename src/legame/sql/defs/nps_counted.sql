-- Whether an NPS answer counts, for the answers "a" of a query: every answer when $every,
-- else only each customer's latest in its group (a.k = 1, a ROW_NUMBER over the customer's
-- answers of the group, newest first): one customer answering ten times is one voice.
($every OR a.k = 1)
