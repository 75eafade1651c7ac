-- The filters of the customer list, on customer_scores s joined with customers c; each is
-- off when its bound value is NULL: $1 a pattern the id or the e-mail matches (ILIKE), $2
-- the RFM segment, $3 the churn risk, $4 the NPS category, $5 the least CLV.
($1::VARCHAR IS NULL OR s.customer_id ILIKE $1 OR c.email ILIKE $1)
AND ($2::VARCHAR IS NULL OR s.segment = $2)
AND ($3::VARCHAR IS NULL OR s.churn_risk = $3)
AND ($4::VARCHAR IS NULL OR s.nps_category = $4)
AND ($5::DOUBLE IS NULL OR s.clv >= $5)
