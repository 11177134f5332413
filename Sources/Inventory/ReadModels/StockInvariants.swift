// What must hold between stock on hand in the write model, the stock levels projection
// and the movements in the log.
import ERPEvents
import ERPKernel
import ERPStore
import MasterData
import PostgresNIO

extension Invariant {
    /// What `erp verify` checks of stock, given the event types that move it.
    static func stock(movingStock: Set<EventType>) -> [Invariant] {
        [
            stockProjectionEqualsEvents(movingStock), stockWriteModelEqualsEvents(movingStock),
            stockProjectionEqualsWriteModel(movingStock), stockLevelsEqualBatches, noNegativeOnHand,
            stockValueWriteModelEqualsEvents(movingStock), stockValueProjectionEqualsWriteModel(movingStock),
        ]
    }

    /// Movements summed per product × warehouse × batch from the stock-moving events (the
    /// `moving` CTE ``disagreements(_:_:_:_:limit:)`` binds), up to the stock levels
    /// checkpoint when `throughCheckpoint`, else all of them.
    private static func movementTotals(throughCheckpoint: Bool) -> String {
        let bound =
            throughCheckpoint
            ? "AND (e.tx, e.position) <= (SELECT tx, position FROM projector_checkpoints WHERE name = 'stock_levels')"
            : ""
        return """
            SELECT (m ->> 'productId')::bigint AS product_id, (m ->> 'warehouseId')::bigint AS warehouse_id,
                   (m ->> 'batchId')::bigint AS batch_id, sum((m ->> 'quantity')::bigint)::bigint AS quantity
              FROM events e, jsonb_array_elements(e.payload -> 'movements') m
             WHERE e.type IN (SELECT type FROM moving) \(bound)
             GROUP BY 1, 2, 3
            """
    }

    /// Rows of two per-batch quantity sources (constant subqueries) that disagree, as breach lines.
    private static func disagreements(
        _ left: String, _ leftName: String, _ right: String, _ rightName: String, moving: Set<EventType>, limit: Int
    ) -> PostgresQuery {
        """
        WITH moving(type) AS (SELECT unnest(\(moving.names)::text[]))
        SELECT 'product ' || COALESCE(a.product_id, b.product_id) || ', warehouse ' || COALESCE(a.warehouse_id, b.warehouse_id)
               || ', batch ' || COALESCE(a.batch_id, b.batch_id) || ': ' || \(leftName)::text || ' ' || COALESCE(a.quantity, 0)
               || ', ' || \(rightName)::text || ' ' || COALESCE(b.quantity, 0),
               count(*) OVER ()::integer
          FROM (\(unescaped: left)) a
          FULL JOIN (\(unescaped: right)) b USING (product_id, warehouse_id, batch_id)
         WHERE COALESCE(a.quantity, 0) <> COALESCE(b.quantity, 0)
         ORDER BY 1
         LIMIT \(limit)
        """
    }

    private static let projected =
        "SELECT product_id, warehouse_id, batch_id, on_hand AS quantity FROM stock_level_batches"
    private static let writeModel = "SELECT product_id, warehouse_id, batch_id, quantity FROM stock_on_hand"

    /// The projection is exactly the movements it has consumed.
    static func stockProjectionEqualsEvents(_ moving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_projection_equals_events",
            statement:
                "projected on hand per product × warehouse × batch equals the sum of movement events up to the stock_levels checkpoint"
        ) { transaction, limit, logger in
            let (breaches, count) = try await collect(
                disagreements(
                    projected, "projected", movementTotals(throughCheckpoint: true), "events", moving: moving,
                    limit: limit), on: transaction, logger: logger
            )
            return (breaches, count, nil)
        }
    }

    /// The write model is exactly the movements in the log.
    static func stockWriteModelEqualsEvents(_ moving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_write_model_equals_events",
            statement:
                "stock on hand in the write model equals the sum of all movement events per product × warehouse × batch"
        ) { transaction, limit, logger in
            let (breaches, count) = try await collect(
                disagreements(
                    writeModel, "write model", movementTotals(throughCheckpoint: false), "events", moving: moving,
                    limit: limit), on: transaction, logger: logger
            )
            return (breaches, count, nil)
        }
    }

    /// The projection equals the write model, when it has caught up.
    static func stockProjectionEqualsWriteModel(_ moving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_projection_equals_write_model",
            statement:
                "projected on hand equals the write model's per product × warehouse × batch (when stock_levels has caught up)"
        ) { transaction, limit, logger in
            let behind = try await eventsBehind("stock_levels", types: moving, on: transaction, logger: logger)
            guard behind == 0 else {
                // The two checks through the events still cover it.
                return ([], 0, "not compared directly: stock_levels is \(behind) stock events behind the log")
            }
            let (breaches, count) = try await collect(
                disagreements(projected, "projected", writeModel, "write model", moving: moving, limit: limit),
                on: transaction, logger: logger
            )
            return (breaches, count, nil)
        }
    }

    /// The write model's value is its opening value plus every movement's, and its on hand
    /// is the sum of its batches'.
    static func stockValueWriteModelEqualsEvents(_ moving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_value_write_model_equals_events",
            statement:
                "stock value per product × warehouse in the write model equals its opening value plus the sum of the movements' values, and its on hand the sum of its batches"
        ) { transaction, limit, logger in
            let (breaches, count) = try await collect(
                """
                WITH moving(type) AS (SELECT unnest(\(moving.names)::text[])),
                events_value AS (
                    SELECT (m ->> 'productId')::bigint AS product_id, (m ->> 'warehouseId')::bigint AS warehouse_id,
                           COALESCE(sum((m ->> 'value')::bigint), 0)::bigint AS value_paise
                      FROM events e, jsonb_array_elements(e.payload -> 'movements') m
                     WHERE e.type IN (SELECT type FROM moving)
                     GROUP BY 1, 2),
                expected AS (
                    SELECT product_id, warehouse_id, COALESCE(o.value_paise, 0) + COALESCE(e.value_paise, 0) AS value_paise
                      FROM stock_value_opening o FULL JOIN events_value e USING (product_id, warehouse_id)),
                batches AS (
                    SELECT product_id, warehouse_id, sum(quantity)::bigint AS on_hand FROM stock_on_hand GROUP BY 1, 2),
                breaches AS (
                    SELECT 'product ' || product_id || ', warehouse ' || warehouse_id || ': write model value '
                           || COALESCE(v.value_paise, 0) || ', opening + movements ' || COALESCE(x.value_paise, 0) AS line
                      FROM stock_valuation v FULL JOIN expected x USING (product_id, warehouse_id)
                     WHERE COALESCE(v.value_paise, 0) <> COALESCE(x.value_paise, 0)
                    UNION ALL
                    SELECT 'product ' || product_id || ', warehouse ' || warehouse_id || ': write model on hand '
                           || COALESCE(v.on_hand, 0) || ', batches ' || COALESCE(b.on_hand, 0)
                      FROM stock_valuation v FULL JOIN batches b USING (product_id, warehouse_id)
                     WHERE COALESCE(v.on_hand, 0) <> COALESCE(b.on_hand, 0))
                SELECT line, count(*) OVER ()::integer FROM breaches ORDER BY 1 LIMIT \(limit)
                """,
                on: transaction, logger: logger)
            return (breaches, count, nil)
        }
    }

    /// The projected value equals the write model's, when stock levels has caught up.
    static func stockValueProjectionEqualsWriteModel(_ moving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_value_projection_equals_write_model",
            statement:
                "projected stock value per product × warehouse equals the write model's (when stock_levels has caught up)"
        ) { transaction, limit, logger in
            let behind = try await eventsBehind("stock_levels", types: moving, on: transaction, logger: logger)
            guard behind == 0 else {
                return ([], 0, "not compared directly: stock_levels is \(behind) stock events behind the log")
            }
            let (breaches, count) = try await collect(
                """
                SELECT 'product ' || product_id || ', warehouse ' || warehouse_id || ': projected value '
                       || COALESCE(l.value_paise, 0) || ', write model ' || COALESCE(v.value_paise, 0),
                       count(*) OVER ()::integer
                  FROM stock_levels l FULL JOIN stock_valuation v USING (product_id, warehouse_id)
                 WHERE COALESCE(l.value_paise, 0) <> COALESCE(v.value_paise, 0)
                 ORDER BY 1
                 LIMIT \(limit)
                """,
                on: transaction, logger: logger)
            return (breaches, count, nil)
        }
    }

    /// Per product × warehouse totals are the sum of their batches.
    static let stockLevelsEqualBatches = Invariant(
        name: "stock_levels_equal_batches",
        statement: "projected on hand per product × warehouse equals the sum of its batches"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            SELECT 'product ' || COALESCE(l.product_id, b.product_id) || ', warehouse ' || COALESCE(l.warehouse_id, b.warehouse_id)
                   || ': stock_levels ' || COALESCE(l.on_hand, 0) || ', batches ' || COALESCE(b.on_hand, 0),
                   count(*) OVER ()::integer
              FROM stock_levels l
              FULL JOIN (SELECT product_id, warehouse_id, sum(on_hand)::bigint AS on_hand FROM stock_level_batches GROUP BY 1, 2) b
                USING (product_id, warehouse_id)
             WHERE COALESCE(l.on_hand, 0) <> COALESCE(b.on_hand, 0)
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger
        )
        return (breaches, count, nil)
    }

    /// Nothing is below zero anywhere.
    static let noNegativeOnHand = Invariant(
        name: "no_negative_on_hand",
        statement: "no on hand is below zero, in the write model or the projection"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            SELECT place || ': ' || on_hand, count(*) OVER ()::integer FROM (
                SELECT 'write model product ' || product_id || ', warehouse ' || warehouse_id || ', batch ' || batch_id AS place, quantity AS on_hand
                  FROM stock_on_hand WHERE quantity < 0
                UNION ALL
                SELECT 'projected product ' || product_id || ', warehouse ' || warehouse_id || ', batch ' || batch_id, on_hand
                  FROM stock_level_batches WHERE on_hand < 0
                UNION ALL
                SELECT 'projected product ' || product_id || ', warehouse ' || warehouse_id, on_hand
                  FROM stock_levels WHERE on_hand < 0
            ) negative
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger
        )
        return (breaches, count, nil)
    }
}

extension Invariant {
    /// The reserved stock of the write model is the sum of the reservations in the log,
    /// and never more than on hand.
    static func stockReservedWriteModelEqualsEvents(_ reserving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_reserved_write_model_equals_events",
            statement:
                "stock reserved per product × warehouse in the write model equals the sum of the reservations in the log, and is at most its on hand"
        ) { transaction, limit, logger in
            let (breaches, count) = try await collect(
                """
                WITH events_reserved AS (
                    SELECT (r ->> 'productId')::bigint AS product_id, (r ->> 'warehouseId')::bigint AS warehouse_id,
                           sum((r ->> 'quantity')::bigint)::bigint AS reserved
                      FROM events e, jsonb_array_elements(e.payload -> 'reservations') r
                     WHERE e.type = ANY(\(reserving.names)::text[])
                     GROUP BY 1, 2),
                breaches AS (
                    SELECT 'product ' || product_id || ', warehouse ' || warehouse_id || ': write model reserved '
                           || COALESCE(v.reserved, 0) || ', events ' || COALESCE(x.reserved, 0) AS line
                      FROM stock_valuation v FULL JOIN events_reserved x USING (product_id, warehouse_id)
                     WHERE COALESCE(v.reserved, 0) <> COALESCE(x.reserved, 0)
                    UNION ALL
                    SELECT 'product ' || product_id || ', warehouse ' || warehouse_id || ': reserved ' || reserved
                           || ' is more than on hand ' || on_hand
                      FROM stock_valuation WHERE reserved > on_hand)
                SELECT line, count(*) OVER ()::integer FROM breaches ORDER BY 1 LIMIT \(limit)
                """,
                on: transaction, logger: logger)
            return (breaches, count, nil)
        }
    }

    /// The projected reserved stock equals the write model's, when stock levels has caught up.
    static func stockReservedProjectionEqualsWriteModel(_ reserving: Set<EventType>) -> Invariant {
        Invariant(
            name: "stock_reserved_projection_equals_write_model",
            statement:
                "projected reserved stock per product × warehouse equals the write model's (when stock_levels has caught up)"
        ) { transaction, limit, logger in
            let behind = try await eventsBehind("stock_levels", types: reserving, on: transaction, logger: logger)
            guard behind == 0 else {
                return ([], 0, "not compared directly: stock_levels is \(behind) reserving events behind the log")
            }
            let (breaches, count) = try await collect(
                """
                SELECT 'product ' || product_id || ', warehouse ' || warehouse_id || ': projected reserved '
                       || COALESCE(l.reserved, 0) || ', write model ' || COALESCE(v.reserved, 0),
                       count(*) OVER ()::integer
                  FROM stock_levels l FULL JOIN stock_valuation v USING (product_id, warehouse_id)
                 WHERE COALESCE(l.reserved, 0) <> COALESCE(v.reserved, 0)
                 ORDER BY 1
                 LIMIT \(limit)
                """,
                on: transaction, logger: logger)
            return (breaches, count, nil)
        }
    }
}
