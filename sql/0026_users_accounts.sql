-- Users: who may sign in. An email is unique however it is capitalised (stored in
-- lower case); the password is kept only as a bcrypt hash. Roles are named sets of the
-- permissions the routes declare.

CREATE TABLE users (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text        NOT NULL UNIQUE
                               CHECK (email = lower(email) AND length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash  text        NOT NULL CHECK (password_hash LIKE '$2%'),
    active         boolean     NOT NULL DEFAULT true,
    version        integer     NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The roles each user holds, by name (the users module knows the built-in ones).
CREATE TABLE user_roles (
    user_id  bigint NOT NULL REFERENCES users,
    role     text   NOT NULL CHECK (role ~ '^[a-z][a-z_]{0,39}$'),
    PRIMARY KEY (user_id, role)
);
