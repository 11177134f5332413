-- Responses of POST commands by Idempotency-Key, so a retry gets the first answer
-- and writes nothing. The row commits in the command's own transaction.
CREATE TABLE idempotency_keys (
    key             text        NOT NULL,
    -- method and path: the same key on another endpoint is another command.
    endpoint        text        NOT NULL,
    request_sha256  bytea       NOT NULL,
    status          smallint    NOT NULL,
    response        jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, endpoint)
);
