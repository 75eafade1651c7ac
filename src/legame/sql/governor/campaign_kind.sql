-- governor/campaign_kind: the kind of a campaign (bound: $1 the campaign id).
SELECT kind FROM campaigns WHERE campaign_id = $1
