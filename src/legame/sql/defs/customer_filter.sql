-- The filters of the customer list, on customer_scores s joined with customers c; each is
-- off when its bound value is NULL: $1 text the id or the e-mail contains, in any case
-- (literally: no character of it is a wildcard), $2 the RFM segment, $3 the churn risk, $4
-- the NPS category, $5 the least CLV.
($1::VARCHAR IS NULL OR contains(lower(s.customer_id), lower($1))
    OR contains(lower(c.email), lower($1)))
AND ($2::VARCHAR IS NULL OR s.segment = $2)
AND ($3::VARCHAR IS NULL OR s.churn_risk = $3)
AND ($4::VARCHAR IS NULL OR s.nps_category = $4)
AND ($5::DOUBLE IS NULL OR s.clv >= $5)
