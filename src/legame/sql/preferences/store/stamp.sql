-- preferences/store/stamp: what changes whenever a choice is saved or erased (the key of
-- the kept engagement page, legame.views.engagement).
SELECT count(*) AS choices, max("at") AS latest
FROM contact_preferences
