-- governor/plan: the contact rules for a whole audience at one instant, set-based.
--
-- Inputs registered by the governor: _gov_audience(pos, customer_id), one row per planned
-- send in audience order; _gov_caps(idx, channel, days, lim, label), the caps a send on
-- $channel counts against (channel NULL = every channel); _gov_zones(zone_key, until,
-- message), quiet hours per time zone at $at (computed with zoneinfo, as check does);
-- _gov_arms(customer_id, test_idx, arm_idx), each audience customer's arm in each contact
-- test running at $at whose caps a send on $channel counts against (the seeded hash is
-- computed in Python, as check does), and _gov_test_caps(test_idx, arm_idx, idx, channel,
-- days, lim, label, test, arm, ends_at), every cap of those arms; _gov_own_quiet(zone_key,
-- quiet_start, quiet_end, until, message), the customers' own quiet hours at $at.
--
-- Same rules and words as rules.py. A customer listed twice is two sends: the second
-- counts the first against the caps (if the first was allowed), exactly as checking and
-- recording the rows one at a time would. Every cap (the policy's, a test arm's, the
-- customer's own) is a row of `limits`, counted the same way.
WITH
ids AS (SELECT DISTINCT customer_id FROM _gov_audience),
consent AS (
    SELECT customer_id,
           arg_max(status, "at") FILTER (WHERE "at" <= $at) AS status,
           max("at") FILTER (WHERE "at" <= $at) AS last_at,
           max("at") FILTER (WHERE "at" <= $at AND status = 'granted') AS last_grant,
           min("at") FILTER (WHERE "at" > $at AND status = 'granted') AS next_grant
    FROM consents
    WHERE channel = $channel AND customer_id IN (SELECT customer_id FROM ids)
    GROUP BY customer_id
),
events AS (
    SELECT customer_id,
           max(complained_at) FILTER (WHERE complained_at <= $at
               AND complained_at > $at - to_days($complaint_days)) AS complaint,
           max(unsubscribed_at) FILTER (WHERE channel = $channel AND unsubscribed_at <= $at
               AND unsubscribed_at > $at - to_days($unsubscribe_days)) AS unsubscribe
    FROM messages
    WHERE customer_id IN (SELECT customer_id FROM ids)
      AND (complained_at > $at - to_days($complaint_days)
           OR unsubscribed_at > $at - to_days($unsubscribe_days))
    GROUP BY customer_id
),
ticket AS (
    SELECT customer_id,
           min(opened_at) FILTER (WHERE opened_at <= $at
               AND (resolved_at IS NULL OR resolved_at > $at)) AS open_since,
           bool_or(opened_at <= $at AND resolved_at IS NULL) AS open_unresolved,
           max(resolved_at) FILTER (WHERE opened_at <= $at AND resolved_at > $at) AS resolves_at,
           max(resolved_at) FILTER (WHERE opened_at <= $at AND resolved_at <= $at
               AND resolved_at > $at - to_days($ticket_days)) AS resolved
    FROM tickets
    WHERE customer_id IN (SELECT customer_id FROM ids)
    GROUP BY customer_id
),
-- The customer's own preferences in force at $at (the latest saved at or before it), and
-- when the next were saved (each preference reason lifts then, at the latest).
saved AS (
    SELECT customer_id,
           arg_max(struct_pack(set_at := "at", channels := channels,
                               max_per_week := max_per_week, max_per_month := max_per_month,
                               quiet_start := quiet_start, quiet_end := quiet_end,
                               paused_until := paused_until, stopped := stopped), "at")
               FILTER (WHERE "at" <= $at) AS cur,
           min("at") FILTER (WHERE "at" > $at) AS next_change
    FROM contact_preferences
    WHERE $preferences AND customer_id IN (SELECT customer_id FROM ids)
    GROUP BY customer_id
),
pref AS (
    SELECT customer_id, next_change, unnest(cur)
    FROM saved
    WHERE cur IS NOT NULL
),
sends AS (
    SELECT customer_id, channel, sent_at
    FROM messages
    WHERE customer_id IN (SELECT customer_id FROM ids)
      AND sent_at <= $at AND sent_at > $at - to_days($max_days)
),
-- Every cap a send counts against: kind 0 the policy's, 1 a test arm's (until the test
-- ends), 2 the customer's own (every channel, until new preferences are saved).
limits AS (
    SELECT i.customer_id, 0 AS kind, c.idx, c.channel, c.days, c.lim, c.label,
           NULL::VARCHAR AS test, NULL::VARCHAR AS arm, NULL::TIMESTAMP AS lift
    FROM ids i
    CROSS JOIN _gov_caps c
    UNION ALL
    SELECT a.customer_id, 1, tc.idx, tc.channel, tc.days, tc.lim, tc.label, tc.test, tc.arm,
           tc.ends_at
    FROM _gov_arms a
    JOIN _gov_test_caps tc USING (test_idx, arm_idx)
    UNION ALL
    SELECT customer_id, 2, 0, NULL, 7, max_per_week, NULL, NULL, NULL, next_change
    FROM pref
    WHERE max_per_week IS NOT NULL
    UNION ALL
    SELECT customer_id, 2, 1, NULL, 30, max_per_month, NULL, NULL, NULL, next_change
    FROM pref
    WHERE max_per_month IS NOT NULL
),
windows AS (
    SELECT l.customer_id, l.kind, l.idx, l.days, l.lim, l.label, l.test, l.arm, l.lift,
           coalesce(list(s.sent_at ORDER BY s.sent_at)
                    FILTER (WHERE s.sent_at IS NOT NULL), []) AS inside
    FROM limits l
    LEFT JOIN sends s
           ON s.customer_id = l.customer_id
          AND s.sent_at > $at - to_days(l.days)
          AND (l.channel IS NULL OR s.channel = l.channel)
    GROUP BY ALL
),
room AS (
    SELECT customer_id, greatest(min(lim - len(inside)), 0) AS room
    FROM windows
    GROUP BY customer_id
),
customer AS (
    SELECT i.customer_id,
           CASE
               WHEN co.status = 'withdrawn' THEN struct_pack(
                   rule := 'consent',
                   message := format($t_withdrawn, $channel, strftime(co.last_at, $when)),
                   until := co.next_grant)
               WHEN co.status IS NULL AND $consent_required THEN struct_pack(
                   rule := 'consent',
                   message := format($t_missing, $channel),
                   until := co.next_grant)
           END AS consent_reason,
           CASE WHEN $cooldowns AND ev.complaint IS NOT NULL THEN struct_pack(
               rule := 'cooldown',
               message := format($t_complaint, strftime(ev.complaint, $when), $complaint_days),
               until := ev.complaint + to_days($complaint_days))
           END AS complaint_reason,
           CASE WHEN $cooldowns AND ev.unsubscribe IS NOT NULL
                     AND (co.last_grant IS NULL OR co.last_grant <= ev.unsubscribe)
               THEN struct_pack(
                   rule := 'cooldown',
                   message := format($t_unsubscribe, $channel, strftime(ev.unsubscribe, $when),
                                     $unsubscribe_days),
                   until := least(ev.unsubscribe + to_days($unsubscribe_days), co.next_grant))
           END AS unsubscribe_reason,
           CASE
               WHEN $cooldowns AND $ticket_open AND tk.open_since IS NOT NULL THEN struct_pack(
                   rule := 'cooldown',
                   message := format($t_ticket_open, strftime(tk.open_since, $when)),
                   until := CASE WHEN NOT tk.open_unresolved
                                 THEN tk.resolves_at + to_days($ticket_days) END)
               WHEN $cooldowns AND $ticket_days > 0 AND tk.resolved IS NOT NULL THEN struct_pack(
                   rule := 'cooldown',
                   message := format($t_ticket_resolved, strftime(tk.resolved, $when),
                                     $ticket_days),
                   until := tk.resolved + to_days($ticket_days))
           END AS ticket_reason,
           CASE WHEN $quiet AND z.until IS NOT NULL THEN struct_pack(
               rule := 'quiet_hours', message := z.message, until := z.until)
           END AS quiet_reason,
           CASE WHEN pf.stopped THEN struct_pack(
               rule := 'preference',
               message := format($t_pref_stop, strftime(pf.set_at, $when)),
               until := pf.next_change)
           END AS stop_reason,
           CASE WHEN pf.channels IS NOT NULL AND NOT list_contains(pf.channels, $channel)
               THEN struct_pack(
                   rule := 'preference',
                   message := format($t_pref_channel, $channel, strftime(pf.set_at, $when)),
                   until := pf.next_change)
           END AS channel_reason,
           CASE WHEN pf.paused_until > $at THEN struct_pack(
               rule := 'preference',
               message := format($t_pref_pause, strftime(pf.paused_until, $when)),
               until := least(pf.paused_until, pf.next_change))
           END AS pause_reason,
           CASE WHEN oq.until IS NOT NULL THEN struct_pack(
               rule := 'preference', message := oq.message,
               until := least(oq.until, pf.next_change))
           END AS own_quiet_reason,
           coalesce(r.room, 1000000000) AS room
    FROM ids i
    LEFT JOIN consent co USING (customer_id)
    LEFT JOIN events ev USING (customer_id)
    LEFT JOIN ticket tk USING (customer_id)
    LEFT JOIN room r USING (customer_id)
    LEFT JOIN customers cu USING (customer_id)
    LEFT JOIN pref pf USING (customer_id)
    LEFT JOIN _gov_zones z ON z.zone_key = coalesce(cu.time_zone, '')
    LEFT JOIN _gov_own_quiet oq
           ON oq.zone_key = coalesce(cu.time_zone, '')
          AND oq.quiet_start = pf.quiet_start
          AND oq.quiet_end = pf.quiet_end
),
blocked AS (
    -- The reasons that are not caps, in the order check lists them around the caps: the
    -- consent and the customer's stop, channels and pause; (their own caps); their own
    -- quiet hours and the cooldowns; (the policy's caps, the test arms' caps); quiet hours.
    SELECT *,
           list_filter([consent_reason, stop_reason, channel_reason, pause_reason],
                       lambda x: x IS NOT NULL) AS first,
           list_filter([own_quiet_reason, complaint_reason, unsubscribe_reason,
                        ticket_reason],
                       lambda x: x IS NOT NULL) AS middle,
           list_filter([quiet_reason], lambda x: x IS NOT NULL) AS last
    FROM customer
),
rows AS (
    -- Sends of the same customer earlier in the plan that go out (are "recorded") first.
    SELECT a.pos, a.customer_id,
           CASE WHEN len(b.first) + len(b.middle) + len(b.last) > 0 THEN 0
                ELSE least(row_number() OVER (PARTITION BY a.customer_id ORDER BY a.pos) - 1,
                           b.room)
           END AS planned
    FROM _gov_audience a
    JOIN blocked b USING (customer_id)
),
reached AS (
    -- Every cap a planned send would break, with the instant it lifts: when the window
    -- frees a slot (none for a cap of 0 or less), or earlier when the test ends or the
    -- customer saves new preferences (lift).
    SELECT r.pos, w.kind, w.idx, w.days, w.lim, w.label, w.test, w.arm,
           len(w.inside) + r.planned AS n,
           least(CASE
                     WHEN w.lim <= 0 THEN NULL
                     WHEN len(w.inside) + r.planned - w.lim + 1 <= len(w.inside)
                         THEN w.inside[len(w.inside) + r.planned - w.lim + 1]
                              + to_days(w.days)
                     ELSE $at + to_days(w.days)
                 END, w.lift) AS until
    FROM rows r
    JOIN windows w ON w.customer_id = r.customer_id
    WHERE len(w.inside) + r.planned >= w.lim
),
caps AS (
    SELECT pos,
           list(struct_pack(
                    rule := 'cap',
                    message := CASE WHEN lim = 0 THEN format($t_cap_zero, label, days)
                                    ELSE format($t_cap, n, label, days, lim) END,
                    until := until)
                ORDER BY idx) FILTER (WHERE kind = 0) AS policy,
           list(struct_pack(
                    rule := 'experiment',
                    message := format($t_test_cap, n, label, days, lim, arm, test),
                    until := until)
                ORDER BY idx) FILTER (WHERE kind = 1) AS tested,
           list(struct_pack(
                    rule := 'preference',
                    message := format($t_pref_cap, n, days, lim),
                    until := until)
                ORDER BY idx) FILTER (WHERE kind = 2) AS own
    FROM reached
    GROUP BY pos
)
SELECT r.pos, r.customer_id,
       b.first || coalesce(c.own, []) || b.middle || coalesce(c.policy, [])
           || coalesce(c.tested, []) || b.last AS reasons
FROM rows r
JOIN blocked b USING (customer_id)
LEFT JOIN caps c USING (pos)
ORDER BY r.pos
