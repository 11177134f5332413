// The build's modules as the tests use them: the same list `erp` folds over.
import ERPApp
import ERPEvents
public import ERPHTTP
import ERPPlatform
public import Hummingbird
public import Inventory
public import Notifications
public import PostgresNIO

extension StockLevelsProjector {
    /// The projector as `erp serve` runs it: of every event that moves stock.
    public init() {
        let catalog = Modules.list().catalog
        self.init(movingStock: catalog.types(with: .movesStock), reservingStock: catalog.types(with: .reservesStock))
    }
}

extension NotificationsProjector {
    /// The projector as `erp serve` runs it.
    public init() {
        let catalog = Modules.list().catalog
        self.init(movingStock: catalog.types(with: .movesStock), receivingStock: catalog.types(with: .receivesStock))
    }
}

extension APIServer {
    /// The router `erp serve` builds, with every module's routes.
    public static func router(
        readiness: Readiness, client: PostgresClient, allowedOrigins: Set<String> = []
    ) -> Router<ERPRequestContext> {
        router(
            readiness: readiness, client: client, routes: Modules.routes(Modules.list(), client: client),
            allowedOrigins: allowedOrigins
        )
    }
}
