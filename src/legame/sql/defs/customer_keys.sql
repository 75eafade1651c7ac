-- What the customer list's search reads (defs/customer_filter): the id and the e-mail in
-- lower case, of customer_scores s joined with customers c.
lower(s.customer_id) AS id_key, lower(c.email) AS email_key
