-- Users: every change to a user is an event, and a changed password one of its own.
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

DROP TRIGGER IF EXISTS users_created ON users;
CREATE CONSTRAINT TRIGGER users_created AFTER INSERT ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('user.created', 'user', 'user_document');
DROP TRIGGER IF EXISTS users_updated ON users;
CREATE CONSTRAINT TRIGGER users_updated AFTER UPDATE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.password_hash IS NOT DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION record_event('user.updated', 'user', 'user_document');
DROP TRIGGER IF EXISTS users_password_changed ON users;
CREATE CONSTRAINT TRIGGER users_password_changed AFTER UPDATE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION record_event('user.password_changed', 'user', 'user_document');
