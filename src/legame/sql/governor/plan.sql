-- governor/plan: the contact rules for a whole audience at one instant, set-based.
--
-- Inputs registered by the governor: _gov_audience(pos, customer_id), one row per planned
-- send in audience order; _gov_caps(idx, channel, days, lim, label), the caps a send on
-- $channel counts against (channel NULL = every channel); _gov_zones(zone_key, until,
-- message), quiet hours per time zone at $at (computed with zoneinfo, as check does).
--
-- Same rules and words as rules.py. A customer listed twice is two sends: the second
-- counts the first against the caps (if the first was allowed), exactly as checking and
-- recording the rows one at a time would.
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
sends AS (
    SELECT customer_id, channel, sent_at
    FROM messages
    WHERE customer_id IN (SELECT customer_id FROM ids)
      AND sent_at <= $at AND sent_at > $at - to_days($max_days)
),
windows AS (
    SELECT i.customer_id, w.idx, w.days, w.lim, w.label,
           coalesce(list(s.sent_at ORDER BY s.sent_at)
                    FILTER (WHERE s.sent_at IS NOT NULL), []) AS inside
    FROM ids i
    CROSS JOIN _gov_caps w
    LEFT JOIN sends s
           ON s.customer_id = i.customer_id
          AND s.sent_at > $at - to_days(w.days)
          AND (w.channel IS NULL OR s.channel = w.channel)
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
           coalesce(r.room, 1000000000) AS room
    FROM ids i
    LEFT JOIN consent co USING (customer_id)
    LEFT JOIN events ev USING (customer_id)
    LEFT JOIN ticket tk USING (customer_id)
    LEFT JOIN room r USING (customer_id)
    LEFT JOIN customers cu USING (customer_id)
    LEFT JOIN _gov_zones z ON z.zone_key = coalesce(cu.time_zone, '')
),
blocked AS (
    SELECT *,
           list_filter([consent_reason, complaint_reason, unsubscribe_reason, ticket_reason],
                       lambda x: x IS NOT NULL) AS before_caps,
           list_filter([quiet_reason], lambda x: x IS NOT NULL) AS after_caps
    FROM customer
),
rows AS (
    -- Sends of the same customer earlier in the plan that go out (are "recorded") first.
    SELECT a.pos, a.customer_id,
           CASE WHEN len(b.before_caps) + len(b.after_caps) > 0 THEN 0
                ELSE least(row_number() OVER (PARTITION BY a.customer_id ORDER BY a.pos) - 1,
                           b.room)
           END AS planned
    FROM _gov_audience a
    JOIN blocked b USING (customer_id)
),
caps AS (
    SELECT r.pos,
           list(struct_pack(
                    rule := 'cap',
                    message := CASE WHEN w.lim = 0 THEN format($t_cap_zero, w.label, w.days)
                                    ELSE format($t_cap, len(w.inside) + r.planned, w.label,
                                                w.days, w.lim) END,
                    until := CASE
                        WHEN w.lim = 0 THEN NULL
                        WHEN len(w.inside) + r.planned - w.lim + 1 <= len(w.inside)
                            THEN w.inside[len(w.inside) + r.planned - w.lim + 1]
                                 + to_days(w.days)
                        ELSE $at + to_days(w.days)
                    END)
                ORDER BY w.idx) AS reasons
    FROM rows r
    JOIN windows w ON w.customer_id = r.customer_id
    WHERE len(w.inside) + r.planned >= w.lim
    GROUP BY r.pos
)
SELECT r.pos, r.customer_id,
       b.before_caps || coalesce(c.reasons, []) || b.after_caps AS reasons
FROM rows r
JOIN blocked b USING (customer_id)
LEFT JOIN caps c USING (pos)
ORDER BY r.pos
