"""Tryton 8.2 posting incoming shipments through its own API, beside ERPCore's goods receipts.

    python tryton_bench.py setup --config trytond.conf --database NAME
    python tryton_bench.py run   --config trytond.conf --database NAME --processes 4 --seconds 10

setup expects a database made by `trytond-admin --all -u stock --activate-dependencies`;
it adds the company (INR), a supplier, and one product per process and line. run starts
the processes; each opens Tryton's pool in-process (no HTTP, no RPC), and once all are
ready they post, each in its own transaction, incoming shipments of three lines from the
supplier into the warehouse: create, receive (the incoming moves done, the inventory
moves made) and do (the inventory moves into storage). Tryton has no lots without the
stock_lot module, so its shipments carry no batch, which ERPCore's receipts do. The last
line printed on stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from decimal import Decimal

LINES = 3


def log(message: str) -> None:
    print(f"tryton: {message}", file=sys.stderr, flush=True)


def open_pool(config_path: str, database: str):
    from trytond import config

    config.update_etc(config_path)
    from trytond.pool import Pool

    Pool.start()
    pool = Pool(database)
    pool.init()
    return pool


def setup(config_path: str, database: str, processes: int) -> dict:
    pool = open_pool(config_path, database)
    from trytond.transaction import Transaction

    with Transaction().start(database, 0, context={}) as transaction:
        Currency = pool.get("currency.currency")
        Party = pool.get("party.party")
        Company = pool.get("company.company")
        User = pool.get("res.user")
        Template = pool.get("product.template")
        Uom = pool.get("product.uom")
        (rupee,) = Currency.create(
            [{"name": "Indian Rupee", "code": "INR", "symbol": "₹", "rounding": Decimal("0.01"), "digits": 2}]
        )
        (owner,) = Party.create([{"name": "Sharma Homeo Pharmacy"}])
        (company,) = Company.create([{"party": owner.id, "currency": rupee.id}])
        admins = User.search([("login", "=", "admin")])
        User.write(admins, {"companies": [("add", [company.id])], "company": company.id})
        Party.create([{"name": "Mumbai Homeo Distributors"}])
        (unit,) = Uom.search([("symbol", "=", "u")])
        # Prices are kept per company.
        with Transaction().set_context(company=company.id):
            Template.create(
                [
                    {
                        "name": f"Arnica Montana 30C, lot {index}",
                        "type": "goods",
                        "default_uom": unit.id,
                        "list_price": Decimal("42"),
                        "products": [("create", [{"suffix_code": f"ARN-{index}"}])],
                    }
                    for index in range(processes * LINES)
                ]
            )
        transaction.commit()
    return {"company": company.id}


def post(config_path: str, database: str, worker: int, ready, go, deadline_seconds: float, results) -> None:
    try:
        results.put(post_shipments(config_path, database, worker, ready, go, deadline_seconds))
    except BaseException as error:
        ready.abort()
        go.abort()
        results.put(f"{type(error).__name__}: {error}")
        raise


def post_shipments(config_path: str, database: str, worker: int, ready, go, deadline_seconds: float) -> int:
    pool = open_pool(config_path, database)
    from trytond.transaction import Transaction

    with Transaction().start(database, 0, readonly=True):
        User = pool.get("res.user")
        (admin,) = User.search([("login", "=", "admin")])
        admin_id, company_id = admin.id, admin.company.id
        Location = pool.get("stock.location")
        (warehouse,) = Location.search([("type", "=", "warehouse")])
        (supplier_location,) = Location.search([("type", "=", "supplier")])
        warehouse_id, input_id, storage_id, supplier_location_id = (
            warehouse.id,
            warehouse.input_location.id,
            warehouse.storage_location.id,
            supplier_location.id,
        )
        Party = pool.get("party.party")
        (supplier,) = Party.search([("name", "=", "Mumbai Homeo Distributors")])
        supplier_id = supplier.id
        Product = pool.get("product.product")
        products = [
            (product.id, product.default_uom.id)
            for product in Product.search(
                [("suffix_code", "in", [f"ARN-{worker * LINES + line}" for line in range(LINES)])]
            )
        ]
        if len(products) != LINES:
            raise RuntimeError(f"process {worker} found {len(products)} of its {LINES} products: was setup run?")
        currency_id = admin.company.currency.id
    ShipmentIn = pool.get("stock.shipment.in")
    ready.wait()
    go.wait()
    deadline = time.monotonic() + deadline_seconds
    posted = 0
    while time.monotonic() < deadline:
        with Transaction().start(database, admin_id, context={"company": company_id}) as transaction:
            (shipment,) = ShipmentIn.create(
                [
                    {
                        "company": company_id,
                        "supplier": supplier_id,
                        "warehouse": warehouse_id,
                        # What the client's on_change fills in from the warehouse.
                        "warehouse_input": input_id,
                        "warehouse_storage": storage_id,
                        "reference": f"INV-{worker}-{posted}",
                        "incoming_moves": [
                            (
                                "create",
                                [
                                    {
                                        "product": product,
                                        "unit": uom,
                                        "quantity": 10.0,
                                        "from_location": supplier_location_id,
                                        "to_location": input_id,
                                        "unit_price": Decimal("40"),
                                        "currency": currency_id,
                                        "company": company_id,
                                    }
                                    for product, uom in products
                                ],
                            )
                        ],
                    }
                ]
            )
            ShipmentIn.receive([shipment])
            ShipmentIn.do([shipment])
            transaction.commit()
        posted += 1
    return posted


def run(config_path: str, database: str, processes: int, seconds: float) -> dict:
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes + 1)
    go = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(target=post, args=(config_path, database, worker, ready, go, seconds, results))
        for worker in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=300)
    start = time.monotonic()
    go.wait(timeout=60)
    counts = [results.get(timeout=seconds + 300) for _ in workers]
    errors = [count for count in counts if isinstance(count, str)]
    if errors:
        raise RuntimeError(f"Tryton processes failed: {errors[0]}")
    elapsed = time.monotonic() - start
    for worker in workers:
        worker.join(timeout=30)
    failed = [worker.exitcode for worker in workers if worker.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} Tryton processes failed (exit codes {failed})")
    total = sum(counts)
    log(f"{processes} processes posted {total} shipments of {LINES} lines in {elapsed:.2f} s")
    return {"shipments": total, "shipmentsPerSecond": total / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["setup", "run"])
    parser.add_argument("--config", required=True, help="a trytond configuration naming the server ([database] uri)")
    parser.add_argument("--database", required=True)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    arguments = parser.parse_args()
    if arguments.mode == "setup":
        result = setup(arguments.config, arguments.database, arguments.processes)
    else:
        result = run(arguments.config, arguments.database, arguments.processes, arguments.seconds)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
