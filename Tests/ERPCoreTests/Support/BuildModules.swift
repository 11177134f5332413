// The build's modules as the tests use them: the same list `erp` folds over.
import ERPApp
import ERPEvents
import ERPHTTP
import ERPPlatform
import Hummingbird
import Inventory
import Notifications
import PostgresNIO

extension StockLevelsProjector {
    /// The projector as `erp serve` runs it: of every event that moves stock.
    init() {
        self.init(movingStock: Modules.list().catalog.types(with: .movesStock))
    }
}

extension NotificationsProjector {
    /// The projector as `erp serve` runs it.
    init() {
        let catalog = Modules.list().catalog
        self.init(movingStock: catalog.types(with: .movesStock), receivingStock: catalog.types(with: .receivesStock))
    }
}

extension APIServer {
    /// The router `erp serve` builds, with every module's routes.
    static func router(
        readiness: Readiness, client: PostgresClient, allowedOrigins: Set<String> = []
    ) -> Router<ERPRequestContext> {
        router(
            readiness: readiness, client: client, routes: Modules.routes(Modules.list(), client: client),
            allowedOrigins: allowedOrigins
        )
    }
}
