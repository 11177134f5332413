-- Users and access: every change to a user, role or API key is an event, a changed
-- password one of its own; so are sign-ins, failed ones, refreshes and revocations.
-- The payload never carries the password hash. Repeatable (re-applied when its text
-- changes).
--
-- after: event_log.sql

CREATE OR REPLACE FUNCTION user_document(account jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', u.id, 'email', u.email, 'name', u.name, 'active', u.active, 'version', u.version,
        'roles', COALESCE((SELECT jsonb_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '[]'::jsonb)
    )
      FROM users u
     WHERE u.id = (account ->> 'id')::bigint
$$;
SELECT document_event_trigger('user_document');

DROP TRIGGER IF EXISTS users_created ON users;
CREATE CONSTRAINT TRIGGER users_created AFTER INSERT ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION user_document_event('user.created', 'user');
DROP TRIGGER IF EXISTS users_updated ON users;
CREATE CONSTRAINT TRIGGER users_updated AFTER UPDATE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.password_hash IS NOT DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION user_document_event('user.updated', 'user');
DROP TRIGGER IF EXISTS users_password_changed ON users;
CREATE CONSTRAINT TRIGGER users_password_changed AFTER UPDATE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION user_document_event('user.password_changed', 'user');

-- Roles: a custom role created or changed (its permissions, its description).
DROP TRIGGER IF EXISTS roles_created ON roles;
CREATE TRIGGER roles_created AFTER INSERT ON roles
    FOR EACH ROW EXECUTE FUNCTION record_event('role.created', 'role');
DROP TRIGGER IF EXISTS roles_updated ON roles;
CREATE TRIGGER roles_updated AFTER UPDATE ON roles
    FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version)
    EXECUTE FUNCTION record_event('role.updated', 'role');

-- API keys: never the secret's hash, always the roles it acts with.
CREATE OR REPLACE FUNCTION api_key_document(key jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', k.id, 'name', k.name, 'prefix', k.prefix, 'createdBy', k.created_by, 'createdAt', k.created_at,
        'revokedAt', k.revoked_at, 'version', k.version,
        'roles', COALESCE((SELECT jsonb_agg(r.role ORDER BY r.role) FROM api_key_roles r WHERE r.api_key_id = k.id),
                          '[]'::jsonb)
    )
      FROM api_keys k
     WHERE k.id = (key ->> 'id')::bigint
$$;
SELECT document_event_trigger('api_key_document');

DROP TRIGGER IF EXISTS api_keys_created ON api_keys;
CREATE CONSTRAINT TRIGGER api_keys_created AFTER INSERT ON api_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION api_key_document_event('api_key.created', 'api_key');
DROP TRIGGER IF EXISTS api_keys_revoked ON api_keys;
CREATE CONSTRAINT TRIGGER api_keys_revoked AFTER UPDATE ON api_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION api_key_document_event('api_key.revoked', 'api_key');

-- Sessions: a sign-in, each refresh, the end of one. Never a token or its hash.
CREATE OR REPLACE FUNCTION auth_session_document(session jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', s.id, 'userId', s.user_id, 'email', u.email, 'generation', s.generation,
        'clientAddress', s.client_address, 'expiresAt', s.expires_at, 'revokedReason', s.revoked_reason
    ))
      FROM auth_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = (session ->> 'id')::uuid
$$;
SELECT document_event_trigger('auth_session_document');

DROP TRIGGER IF EXISTS auth_sessions_created ON auth_sessions;
CREATE TRIGGER auth_sessions_created AFTER INSERT ON auth_sessions
    FOR EACH ROW EXECUTE FUNCTION auth_session_document_event('auth.login_succeeded', 'session');
DROP TRIGGER IF EXISTS auth_sessions_refreshed ON auth_sessions;
CREATE TRIGGER auth_sessions_refreshed AFTER UPDATE ON auth_sessions
    FOR EACH ROW WHEN (OLD.generation IS DISTINCT FROM NEW.generation AND NEW.revoked_at IS NULL)
    EXECUTE FUNCTION auth_session_document_event('auth.token_refreshed', 'session');
DROP TRIGGER IF EXISTS auth_sessions_revoked ON auth_sessions;
CREATE TRIGGER auth_sessions_revoked AFTER UPDATE ON auth_sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION auth_session_document_event('auth.session_revoked', 'session');

-- A failed sign-in: the email as typed, the address, why (the caller is told only that
-- the email or the password is wrong).
DROP TRIGGER IF EXISTS login_failures_recorded ON login_failures;
CREATE TRIGGER login_failures_recorded AFTER INSERT ON login_failures
    FOR EACH ROW EXECUTE FUNCTION record_event('auth.login_failed', 'login');
