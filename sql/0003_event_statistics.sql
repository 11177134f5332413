-- Read model of the event statistics projector: counts and bounds per event type.
CREATE TABLE event_type_statistics (
    type             text        PRIMARY KEY,
    event_count      bigint      NOT NULL,
    first_position   bigint      NOT NULL,
    last_position    bigint      NOT NULL,
    first_recorded   timestamptz NOT NULL,
    last_recorded    timestamptz NOT NULL
);
