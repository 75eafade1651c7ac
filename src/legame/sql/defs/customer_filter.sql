-- The filters of the customer list, on the columns of customer_scores with the search
-- keys of defs/customer_keys (unqualified: the list reads them from the store's tables, the
-- server's kept copy from its own table of the same columns); each is off when its bound
-- value is NULL: $1 text the id or the e-mail contains, in any case (literally: no
-- character of it is a wildcard), $2 the RFM segment, $3 the churn risk, $4 the NPS
-- category, $5 the least CLV.
($1::VARCHAR IS NULL OR contains(id_key, lower($1)) OR contains(email_key, lower($1)))
AND ($2::VARCHAR IS NULL OR segment = $2)
AND ($3::VARCHAR IS NULL OR churn_risk = $3)
AND ($4::VARCHAR IS NULL OR nps_category = $4)
AND ($5::DOUBLE IS NULL OR clv >= $5)
