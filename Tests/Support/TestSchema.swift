// Domain tables that exist only in tests, wired to record_event() like real ones.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import Inventory
import MasterData
import Notifications
import Purchasing

/// Tables and triggers the event log tests write through.
public enum TestSchema {
    /// A document with lines (posted as one event) and a plain master-data table.
    public static let documents = """
        CREATE TABLE test_orders (
            id       bigserial PRIMARY KEY,
            customer text NOT NULL,
            status   text NOT NULL DEFAULT 'draft'
        );
        CREATE TABLE test_order_lines (
            order_id bigint NOT NULL REFERENCES test_orders,
            line_no  int    NOT NULL,
            sku      text   NOT NULL,
            quantity int    NOT NULL,
            PRIMARY KEY (order_id, line_no)
        );
        CREATE FUNCTION test_order_document(header jsonb) RETURNS jsonb
        LANGUAGE sql STABLE AS $$
            SELECT header || jsonb_build_object('lines', COALESCE((
                SELECT jsonb_agg(to_jsonb(l) - 'order_id' ORDER BY l.line_no)
                  FROM test_order_lines l WHERE l.order_id = (header ->> 'id')::bigint), '[]'))
        $$;
        SELECT document_event_trigger('test_order_document');
        CREATE TRIGGER test_order_posted
            AFTER UPDATE OF status ON test_orders FOR EACH ROW
            WHEN (NEW.status = 'posted' AND OLD.status <> 'posted')
            EXECUTE FUNCTION test_order_document_event('test_order.posted', 'test_order');
        CREATE TABLE test_customers (
            id   bigserial PRIMARY KEY,
            name text NOT NULL
        );
        CREATE TRIGGER test_customer_created
            AFTER INSERT ON test_customers FOR EACH ROW
            EXECUTE FUNCTION record_event('test_customer.created', 'test_customer');
        """

    /// Where ``RecordingProjector`` writes what it applied.
    public static let projectionLog = """
        CREATE TABLE projection_log (
            projector text   NOT NULL,
            position  bigint NOT NULL,
            tx        xid8   NOT NULL
        );
        """
}
