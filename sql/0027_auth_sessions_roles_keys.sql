-- Signing in and what a signed-in caller may do: roles (built-in and custom), the
-- sessions that refresh tokens keep alive, API keys for integrations, failed sign-ins
-- (which throttle the next ones), and an index for the audit query by actor.

-- Roles. The built-in ones hold what the code grants them (the modules' grants); a
-- custom role holds the permissions listed here.
CREATE TABLE roles (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z_]{0,39}$'),
    description  text        NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    permissions  text[]      NOT NULL DEFAULT '{}'
                             CHECK (array_position(permissions, NULL) IS NULL AND cardinality(permissions) <= 200),
    built_in     boolean     NOT NULL DEFAULT false,
    version      integer     NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT built_in OR permissions = '{}')
);

INSERT INTO roles (name, description, built_in) VALUES
    ('admin',       'Every permission, users, roles and API keys included', true),
    ('accountant',  'The books: approves orders, posts vendor bills, reads stock and purchasing', true),
    ('storekeeper', 'The stores: receives, issues, transfers and adjusts stock', true),
    ('purchaser',   'Buying: vendors, products, purchase orders and returns', true),
    ('sales',       'Selling on credit: customers, orders, deliveries and invoices', true),
    ('cashier',     'The counter: counter sales only', true),
    ('viewer',      'Reads everything, changes nothing', true);

-- A role given before this migration that is not built in becomes an empty custom role.
INSERT INTO roles (name) SELECT DISTINCT role FROM user_roles ON CONFLICT (name) DO NOTHING;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_fkey FOREIGN KEY (role) REFERENCES roles (name);

-- A session: one sign-in, kept alive by rotating refresh tokens until it expires or is
-- revoked. Access tokens name their session, so revoking it ends them too.
CREATE TABLE auth_sessions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         bigint      NOT NULL REFERENCES users,
    -- Raised by every refresh: only the refresh token of the current generation is good.
    generation      integer     NOT NULL DEFAULT 1,
    client_address  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    refreshed_at    timestamptz,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text        CHECK (revoked_reason IN ('signed_out', 'refresh_token_reused', 'user_deactivated',
                                                          'password_changed')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX auth_sessions_live ON auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Every refresh token ever issued, by its SHA-256; a token of an older generation than
-- its session's is a reused one.
CREATE TABLE refresh_tokens (
    token_hash  bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    session_id  uuid        NOT NULL REFERENCES auth_sessions ON DELETE CASCADE,
    generation  integer     NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, generation)
);

-- API keys: `erpk_<8 hex>_<secret>`; the prefix is shown and looked up, the whole key is
-- kept only as its SHA-256.
CREATE TABLE api_keys (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix        text        NOT NULL UNIQUE CHECK (prefix ~ '^erpk_[0-9a-f]{8}$'),
    secret_hash   bytea       NOT NULL CHECK (length(secret_hash) = 32),
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    version       integer     NOT NULL DEFAULT 1
);

CREATE TABLE api_key_roles (
    api_key_id  bigint NOT NULL REFERENCES api_keys,
    role        text   NOT NULL REFERENCES roles (name),
    PRIMARY KEY (api_key_id, role)
);

-- Failed sign-ins, by the email as typed (lower case) and the client's address.
CREATE TABLE login_failures (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL CHECK (length(email) <= 320),
    client_address  text,
    reason          text        NOT NULL CHECK (reason IN ('unknown_email', 'wrong_password', 'inactive')),
    failed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
CREATE INDEX login_failures_address ON login_failures (client_address, failed_at);

-- The audit query: who did what, by actor (`user:12`) or by their name (an email).
CREATE INDEX events_actor ON events ((metadata ->> 'actor'), position);
CREATE INDEX events_actor_name ON events ((metadata ->> 'actorName'), position);
