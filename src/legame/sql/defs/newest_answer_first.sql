-- The order of survey answers, newest first, for "a customer's latest answer": by when it
-- was answered, then by the response id, so that two answers given at one instant always
-- rank the same way and every surface (the NPS reports, the customer's scores, the
-- overview, the gratitude plans and results, the experiments, the covariates) calls the
-- same answer the latest. The columns are the answers' own, unqualified.
answered_at DESC, response_id DESC
