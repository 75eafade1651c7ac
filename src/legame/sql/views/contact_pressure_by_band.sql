-- The engagement page's contact pressure: per band of pressure, the messages sent before
-- $as_of and the unsubscribes and complaints they caused (recorded before as_of), by the
-- definitions of the contact-pressure finding (defs/contact_pressure_sends, defs/contact_band).
WITH sends AS (
    {{ contact_pressure_sends }}
)
SELECT {{ contact_band }} AS band,
       count(*) AS messages,
       sum(unsubscribed) AS unsubscribes,
       sum(complained) AS complaints,
       sum(unsubscribed) / count(*) AS unsubscribe_rate
FROM sends
GROUP BY 1
ORDER BY 1
