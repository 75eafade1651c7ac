-- 0012: one customer across tools (issue 21). An import through a preset (legame.ingest.
-- presets) recognises a customer by e-mail when the tools' ids differ; the link between a
-- tool's own customer id and the customer it was found to be is kept here, so that a later
-- export with only that id finds the same customer. Personal data (the e-mail): erased
-- with the customer.
CREATE TABLE customer_links (
    -- the tool the id comes from: the preset's name ('shopify', 'mailchimp', ...)
    system VARCHAR NOT NULL,
    -- the customer's id in that tool
    external_id VARCHAR NOT NULL,
    -- legame's customer id it was linked to
    customer_id VARCHAR NOT NULL,
    -- the normalised e-mail (lower case) that made the link
    email VARCHAR,
    -- the import batch that found it, and when
    _batch_id BIGINT NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (system, external_id)
);
CREATE INDEX customer_links_customer_idx ON customer_links (customer_id);
